import { setTimeout as sleep } from 'node:timers/promises';
import type { StreamEvent } from '../../../protocol/events.ts';
import type { StreamLog } from '../streams/stream-log.ts';

export interface EventAppender {
  /** Queues an event; appends happen one at a time, in call order. Resolves with the event's id. */
  append(event: StreamEvent): Promise<string>;
  /** Resolves once everything queued so far is in the log (or has failed for good). */
  settled(): Promise<void>;
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
  const written: StreamEvent[] = [];

  async function appendWithRetry(event: StreamEvent): Promise<string> {
    const deadline = Date.now() + retryForMs;
    let delay = FIRST_RETRY_MS;
    let failed = false;
    for (;;) {
      try {
        if (failed && written.length > 0 && !(await log.exists(key))) {
          for (const earlier of written) {
            await log.append(key, earlier);
          }
        }
        const id = await log.append(key, event);
        written.push(event);
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
      tail = appended.catch(() => undefined);
      return appended;
    },
    async settled() {
      await tail;
    },
  };
}
