import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { LoggedEvent, StreamEvent } from '../../../protocol/events.ts';
import { AppError } from '../app-error.ts';
import { fromEntry, toEntryFields } from './redis-stream-entry.ts';
import { createRedisStreamFollower } from './redis-stream-follower.ts';
import { redisUnavailable } from './redis-unavailable.ts';
import { parseStreamEventId } from './stream-event-id.ts';
import type { StreamLog, StreamLogOptions } from './stream-log.ts';
import { emptyRead, StreamReader } from './stream-reader.ts';

export interface RedisStreamLogOptions extends StreamLogOptions {
  /**
   * Runs every command but the blocking reads, which get one connection the log makes (and closes). Give
   * it no `keyPrefix`: XREAD answers with full key names, so the log prefixes keys itself (`prefix`).
   */
  redis: Redis;
  /** Starts every key the log writes, so deployments and test runs can share a Redis. */
  prefix: string;
  /** The Redis key of a stream. Keep the `{...}` hash tag: everything about one stream is in one slot. */
  keyOf?: (streamId: string) => string;
  /** Hears errors of the background reader, which retries on its own; defaults to stderr. */
  onError?: (error: unknown) => void;
}

/**
 * The stream log on Redis Streams, shared by every instance: XADD with `MAXLEN ~` appends (the entry id is
 * the event id), `end` sets the key's expiry in the same transaction, and readers load with XRANGE and
 * follow through one shared XREAD BLOCK loop per process (see redis-stream-follower.ts).
 */
export function createRedisStreamLog(options: RedisStreamLogOptions): StreamLog {
  const { redis, prefix, maxLength, ttlAfterEndMs } = options;
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
  async function add(key: string, event: StreamEvent): Promise<string> {
    const fields = toEntryFields(event);
    if (event.type !== 'end') {
      return (await redis.xadd(key, 'MAXLEN', '~', maxLength, '*', ...fields)) as string;
    }
    const replies = await redis
      .multi()
      .xadd(key, 'MAXLEN', '~', maxLength, '*', ...fields)
      .pexpire(key, ttlAfterEndMs)
      .exec();
    const [error, id] = replies?.[0] ?? [new Error('The XADD transaction was discarded.'), null];
    if (error) {
      throw error;
    }
    return id as string;
  }

  return {
    async append(streamId: string, event: StreamEvent): Promise<string> {
      if (closed) {
        throw new AppError('SHUTTING_DOWN');
      }
      try {
        return await add(keyOf(streamId), event);
      } catch (error) {
        throw redisUnavailable(error);
      }
    },

    read(streamId: string, afterId: string | undefined, signal: AbortSignal): AsyncIterable<LoggedEvent> {
      const after = afterId === undefined ? undefined : parseStreamEventId(afterId);
      if (closed || signal.aborted) {
        return emptyRead;
      }
      const hold = follower.hold(keyOf(streamId));
      return new StreamReader({ buffer: hold.buffer, afterId: after, signal, onFinish: hold.release });
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

    async close(): Promise<void> {
      closed = true;
      await follower.close();
    },
  };
}
