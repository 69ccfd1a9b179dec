import type { LoggedEvent, StreamEvent } from '../../../protocol/events.ts';
import { AppError } from '../app-error.ts';
import { StreamBuffer } from './stream-buffer.ts';
import {
  compareStreamEventId,
  formatStreamEventId,
  nextStreamEventId,
  parseStreamEventId,
} from './stream-event-id.ts';
import { type OpenedStream, StaleEventIdError, type StreamLog, type StreamLogOptions } from './stream-log.ts';
import { emptyRead, StreamReader } from './stream-reader.ts';

export interface MemoryStreamLogOptions extends StreamLogOptions {
  /** The clock that ids and expiry read, in epoch milliseconds; tests inject one. */
  now?: () => number;
  /**
   * Ended streams kept, newest first, however long their ttlAfterEndMs; older ones go early (1000 by default).
   * An ended answer is in the database, which a resume replays once its stream is gone, so this is only how
   * much of the process's heap recent answers may hold: a busy instance ends hundreds a second, and an hour of
   * them would grow the heap, and the time every collection takes, without bound.
   */
  maxEndedStreams?: number;
}

interface MemoryStream {
  readonly id: string;
  readonly buffer: StreamBuffer;
  /** The parts of the last id handed out. */
  ms: number;
  seq: number;
  expiresAt: number | undefined;
  /** The alias its `start` gave it. */
  alias: string | undefined;
}

interface Expiry {
  stream: MemoryStream;
  at: number;
}

// setTimeout fires at once for anything longer.
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * The embedded stream log: every stream in this process's memory, for a single instance with no Redis.
 * Ids are made the way Redis makes them (`<ms>-<seq>`, never going back even if the clock does), so a
 * client's Last-Event-ID means the same thing on either engine.
 */
export function createMemoryStreamLog(options: MemoryStreamLogOptions): StreamLog {
  const now = options.now ?? Date.now;
  const maxEndedStreams = options.maxEndedStreams ?? 1000;
  const streams = new Map<string, MemoryStream>();
  const aliases = new Map<string, MemoryStream>();
  // Every ended stream lives the same ttlAfterEndMs, so they expire in the order they ended: one queue and
  // one timer instead of a timer per stream. Reads also check expiry, so the timer only reclaims memory.
  let expiries: Expiry[] = [];
  let nextExpiry = 0;
  let sweepTimer: NodeJS.Timeout | undefined;
  let closed = false;

  function getLive(streamId: string): MemoryStream | undefined {
    const stream = streams.get(streamId);
    if (stream?.expiresAt !== undefined && stream.expiresAt <= now()) {
      remove(stream);
      return undefined;
    }
    return stream;
  }

  function remove(stream: MemoryStream): void {
    streams.delete(stream.id);
    if (stream.alias !== undefined && aliases.get(stream.alias) === stream) {
      aliases.delete(stream.alias);
    }
  }

  function scheduleSweep(): void {
    const expiry = expiries[nextExpiry];
    if (sweepTimer || !expiry) {
      return;
    }
    sweepTimer = setTimeout(sweep, Math.min(Math.max(expiry.at - now(), 0), MAX_TIMER_DELAY_MS));
    sweepTimer.unref();
  }

  function sweep(): void {
    sweepTimer = undefined;
    const time = now();
    for (let expiry = expiries[nextExpiry]; expiry && expiry.at <= time; expiry = expiries[nextExpiry]) {
      nextExpiry++;
      const { stream } = expiry;
      if (streams.get(stream.id) === stream && stream.expiresAt !== undefined && stream.expiresAt <= time) {
        remove(stream);
      }
    }
    compactExpiries();
    scheduleSweep();
  }

  // Entries already handled still hold their streams: they go once they are half the queue.
  function compactExpiries(): void {
    if (nextExpiry * 2 >= expiries.length) {
      expiries = expiries.slice(nextExpiry);
      nextExpiry = 0;
    }
  }

  // Expiries are in the order streams ended, so the oldest ended stream is always the next to expire.
  function dropOldestEnded(): void {
    while (expiries.length - nextExpiry > maxEndedStreams) {
      const { stream } = expiries[nextExpiry] as Expiry;
      nextExpiry++;
      if (streams.get(stream.id) === stream) {
        remove(stream);
      }
    }
    compactExpiries();
  }

  function create(streamId: string): MemoryStream {
    const stream: MemoryStream = {
      id: streamId,
      buffer: new StreamBuffer(options.maxLength),
      ms: 0,
      seq: 0,
      expiresAt: undefined,
      alias: undefined,
    };
    streams.set(streamId, stream);
    return stream;
  }

  return {
    async append(streamId: string, event: StreamEvent, givenId?: string): Promise<string> {
      if (closed) {
        throw new AppError('SHUTTING_DOWN');
      }
      const stream = getLive(streamId) ?? create(streamId);
      const time = now();
      if (givenId !== undefined && compareStreamEventId(givenId, stream) <= 0) {
        throw new StaleEventIdError(streamId, givenId);
      }
      const next = givenId === undefined ? nextStreamEventId(stream, time) : parseStreamEventId(givenId);
      stream.ms = next.ms;
      stream.seq = next.seq;
      const id = formatStreamEventId(stream.ms, stream.seq);
      const logged: LoggedEvent = { id, event };
      stream.buffer.push(logged);
      if (event.type === 'start') {
        stream.alias = options.aliasOf?.(streamId);
        if (stream.alias !== undefined) {
          aliases.set(stream.alias, stream);
        }
      }
      if (event.type === 'end') {
        stream.expiresAt = time + options.ttlAfterEndMs;
        expiries.push({ stream, at: stream.expiresAt });
        dropOldestEnded();
        scheduleSweep();
      }
      return id;
    },

    read(streamId: string, afterId: string | undefined, signal: AbortSignal): AsyncIterable<LoggedEvent> {
      const after = afterId === undefined ? undefined : parseStreamEventId(afterId);
      const stream = closed ? undefined : getLive(streamId);
      return stream ? new StreamReader({ buffer: stream.buffer, afterId: after, signal }) : emptyRead;
    },

    async open(streamId: string, afterId: string | undefined): Promise<OpenedStream | undefined> {
      const after = afterId === undefined ? undefined : parseStreamEventId(afterId);
      const buffer = closed ? undefined : getLive(streamId)?.buffer;
      return buffer && ((signal) => new StreamReader({ buffer, afterId: after, signal }));
    },

    async findAlias(alias: string): Promise<string | undefined> {
      const stream = closed ? undefined : aliases.get(alias);
      return stream && getLive(stream.id) === stream ? stream.id : undefined;
    },

    async range(streamId: string): Promise<LoggedEvent[]> {
      const buffer = closed ? undefined : getLive(streamId)?.buffer;
      const events: LoggedEvent[] = [];
      for (let position = buffer?.start ?? 0; buffer && position < buffer.end; position++) {
        const held = buffer.at(position);
        if (held) {
          events.push(held.value);
        }
      }
      return events;
    },

    async exists(streamId: string): Promise<boolean> {
      return !closed && getLive(streamId) !== undefined;
    },

    async remove(streamIds: string[]): Promise<void> {
      for (const streamId of streamIds) {
        const stream = streams.get(streamId);
        if (stream) {
          remove(stream);
        }
      }
    },

    async close(): Promise<void> {
      closed = true;
      clearTimeout(sweepTimer);
      for (const stream of streams.values()) {
        stream.buffer.close();
      }
      streams.clear();
      aliases.clear();
      expiries = [];
    },
  };
}
