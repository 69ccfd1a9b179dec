import { setTimeout as sleep } from 'node:timers/promises';
import type { LoggedEvent, StreamEvent } from '../../../protocol/events.ts';
import type { StreamLog } from '../streams/stream-log.ts';

export interface EventAppender {
  /** Queues an event; appends happen one at a time, in call order. Resolves with the event's id. */
  append(event: StreamEvent): Promise<string>;
  /** Resolves once everything queued so far is in the log (or has failed for good). */
  settled(): Promise<void>;
  /**
   * Every event as it went into the log, with its id, from the first: what a reader of the log sees, without
   * reading it back, for readers in this process. Ends after `end`, or early if an append failed for good (the
   * reader then resumes from the log, from its last id, wherever the log is back).
   */
  read(signal: AbortSignal): AsyncIterable<LoggedEvent>;
}

export interface EventAppenderOptions {
  log: StreamLog;
  key: string;
  /** How long a failing append is retried before the generation gives up on the log. */
  retryForMs: number;
  onRetry?: (error: unknown) => void;
}

const FIRST_RETRY_MS = 50;
const MAX_RETRY_MS = 1000;

/**
 * Serialises appends to one stream, and rides out a stream log that goes away for a while (a Redis restart).
 * Pings fire from a timer and text from the model loop, so without a queue a slow append could let a later
 * event overtake an earlier one. Every event is also kept here: if the log comes back without the stream (a
 * Redis that keeps nothing on disk), the stream is written again from `start`, which tells clients to reset,
 * so a resumed client ends up with the whole answer and no gap.
 */
export function createEventAppender({ log, key, retryForMs, onRetry }: EventAppenderOptions): EventAppender {
  let tail: Promise<unknown> = Promise.resolve();
  const logged: LoggedEvent[] = [];
  let gaveUp = false;
  let changed = Promise.withResolvers<void>();
  const wake = () => {
    changed.resolve();
    changed = Promise.withResolvers();
  };

  async function appendWithRetry(event: StreamEvent): Promise<string> {
    const deadline = Date.now() + retryForMs;
    let delay = FIRST_RETRY_MS;
    let failed = false;
    for (;;) {
      try {
        if (failed && logged.length > 0 && !(await log.exists(key))) {
          for (const earlier of logged) {
            await log.append(key, earlier.event);
          }
        }
        const id = await log.append(key, event);
        logged.push({ id, event });
        wake();
        return id;
      } catch (error) {
        if (Date.now() + delay > deadline) {
          throw error;
        }
        failed = true;
        onRetry?.(error);
        await sleep(delay);
        delay = Math.min(delay * 2, MAX_RETRY_MS);
      }
    }
  }

  return {
    append(event) {
      const appended = tail.then(() => appendWithRetry(event));
      tail = appended.catch(() => {
        gaveUp = true;
        wake();
      });
      return appended;
    },
    async settled() {
      await tail;
    },
    async *read(signal) {
      const aborted = new Promise<void>((resolve) =>
        signal.addEventListener('abort', () => resolve(), { once: true }),
      );
      for (let next = 0; !signal.aborted; ) {
        const event = logged[next];
        if (event) {
          next++;
          yield event;
          if (event.event.type === 'end') {
            return;
          }
        } else if (gaveUp) {
          return;
        } else {
          await Promise.race([changed.promise, aborted]);
        }
      }
    },
  };
}
