import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { LoggedEvent, StreamEvent } from '../../../protocol/events.ts';
import { AppError } from '../app-error.ts';
import { fromEntry, toEntryFields } from './redis-stream-entry.ts';
import { createRedisStreamFollower, type FollowHold } from './redis-stream-follower.ts';
import { redisUnavailable } from './redis-unavailable.ts';
import type { StreamBuffer } from './stream-buffer.ts';
import { parseStreamEventId } from './stream-event-id.ts';
import { type OpenedStream, StaleEventIdError, type StreamLog, type StreamLogOptions } from './stream-log.ts';
import { emptyRead, StreamReader } from './stream-reader.ts';

const REMOVE_KEYS_PER_COMMAND = 1000;

// What XADD answers to an id that is not above the stream's last entry.
const STALE_ID_REPLY = 'equal or smaller than the target stream top item';

export interface RedisStreamLogOptions extends StreamLogOptions {
  /**
   * Runs every command but the blocking reads, which get one connection the log makes (and closes). Give
   * it no `keyPrefix`: XREAD answers with full key names, so the log prefixes keys itself (`prefix`).
   */
  redis: Redis;
  /** Starts every key the log writes, so deployments and test runs can share a Redis. */
  prefix: string;
  /**
   * The Redis key of a stream, or of an alias. Keep the `{...}` hash tag: everything about one stream is in
   * one slot, its alias included (aliasOf must keep the tag too), since they are written in one transaction.
   */
  keyOf?: (streamId: string) => string;
  /** Hears errors of the background reader, which retries on its own; defaults to stderr. */
  onError?: (error: unknown) => void;
}

/**
 * The stream log on Redis Streams, shared by every instance: XADD with `MAXLEN ~` appends (the entry id is
 * the event id), `start` sets the alias key (a string holding the stream's id) in the same transaction, `end`
 * sets the expiry of both, and readers load with XRANGE from their Last-Event-ID and follow through one
 * shared XREAD BLOCK loop per process (see redis-stream-follower.ts).
 */
export function createRedisStreamLog(options: RedisStreamLogOptions): StreamLog {
  const { redis, prefix, maxLength, ttlAfterEndMs, aliasOf } = options;
  const keyOf = options.keyOf ?? ((streamId: string) => `${prefix}stream:{${streamId}}`);
  const follower = createRedisStreamFollower({
    redis,
    maxLength,
    wakeKey: `${prefix}stream-reader:{${randomUUID()}}`,
    connectionName: `${prefix}stream-reader`,
    onError: options.onError ?? ((error) => console.error('stream log reader:', error)),
  });
  let closed = false;

  // XADD answers nil only with NOMKSTREAM, which is never sent: the id is always there.
  async function add(streamId: string, event: StreamEvent, id: string): Promise<string> {
    const key = keyOf(streamId);
    const fields = toEntryFields(event);
    const alias = event.type === 'start' || event.type === 'end' ? aliasOf?.(streamId) : undefined;
    if (event.type !== 'end' && alias === undefined) {
      return (await redis.xadd(key, 'MAXLEN', '~', maxLength, id, ...fields)) as string;
    }
    const transaction = redis.multi().xadd(key, 'MAXLEN', '~', maxLength, id, ...fields);
    if (event.type === 'end') {
      transaction.pexpire(key, ttlAfterEndMs);
      if (alias !== undefined) {
        transaction.pexpire(keyOf(alias), ttlAfterEndMs);
      }
    } else if (alias !== undefined) {
      transaction.set(keyOf(alias), streamId);
    }
    const replies = await transaction.exec();
    const [error, added] = replies?.[0] ?? [new Error('The XADD transaction was discarded.'), null];
    if (error) {
      throw error;
    }
    return added as string;
  }

  function read(
    streamId: string,
    afterId: string | undefined,
    signal: AbortSignal,
  ): AsyncIterable<LoggedEvent> {
    const after = afterId === undefined ? undefined : parseStreamEventId(afterId);
    if (closed || signal.aborted) {
      return emptyRead;
    }
    const hold = follower.hold(keyOf(streamId), afterId);
    return new StreamReader({ buffer: hold.buffer, afterId: after, signal, onFinish: hold.release });
  }

  return {
    async append(streamId: string, event: StreamEvent, id = '*'): Promise<string> {
      if (closed) {
        throw new AppError('SHUTTING_DOWN');
      }
      try {
        return await add(streamId, event, id);
      } catch (error) {
        if (error instanceof Error && error.message.includes(STALE_ID_REPLY)) {
          throw new StaleEventIdError(streamId, id);
        }
        throw redisUnavailable(error);
      }
    },

    read,

    async open(streamId: string, afterId: string | undefined): Promise<OpenedStream | undefined> {
      const after = afterId === undefined ? undefined : parseStreamEventId(afterId);
      if (closed) {
        // The stream may well be live on another instance: read as nothing, like `read`, so the client
        // resumes elsewhere, rather than as missing, which would have the caller replay a saved answer.
        return () => emptyRead;
      }
      const hold = follower.hold(keyOf(streamId), afterId);
      let buffer: StreamBuffer | undefined;
      try {
        buffer = await hold.buffer;
      } finally {
        if (!buffer) {
          hold.release();
        }
      }
      if (!buffer) {
        return undefined;
      }
      const loaded = buffer;
      let held: FollowHold | undefined = hold;
      return (signal) => {
        const taken = held;
        held = undefined;
        // A second call reads afresh instead of sharing the hold the first one gives back when it finishes.
        return taken
          ? new StreamReader({ buffer: loaded, afterId: after, signal, onFinish: taken.release })
          : read(streamId, afterId, signal);
      };
    },

    async findAlias(alias: string): Promise<string | undefined> {
      try {
        return (await redis.get(keyOf(alias))) ?? undefined;
      } catch (error) {
        throw redisUnavailable(error);
      }
    },

    async range(streamId: string): Promise<LoggedEvent[]> {
      try {
        const entries = await redis.xrange(keyOf(streamId), '-', '+');
        return entries.map(([id, fields]) => fromEntry(id, fields));
      } catch (error) {
        throw redisUnavailable(error);
      }
    },

    async exists(streamId: string): Promise<boolean> {
      try {
        return (await redis.exists(keyOf(streamId))) === 1;
      } catch (error) {
        throw redisUnavailable(error);
      }
    },

    async remove(streamIds: string[]): Promise<void> {
      const keys = streamIds.flatMap((streamId) => {
        const alias = aliasOf?.(streamId);
        return alias === undefined ? [keyOf(streamId)] : [keyOf(streamId), keyOf(alias)];
      });
      try {
        // In slices: a chat of the API's (a hidden one) can hold many thousands of answers, and one command
        // holds Redis for as long as it runs.
        for (let start = 0; start < keys.length; start += REMOVE_KEYS_PER_COMMAND) {
          await redis.del(...keys.slice(start, start + REMOVE_KEYS_PER_COMMAND));
        }
      } catch (error) {
        throw redisUnavailable(error);
      }
    },

    async close(): Promise<void> {
      closed = true;
      await follower.close();
    },
  };
}
