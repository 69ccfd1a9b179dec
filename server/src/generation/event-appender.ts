import { setTimeout as sleep } from 'node:timers/promises';
import type { LoggedEvent, StreamEvent } from '../../../protocol/events.ts';
import { formatStreamEventId, nextStreamEventId, type StreamEventId } from '../streams/stream-event-id.ts';
import { StaleEventIdError, type StreamLog } from '../streams/stream-log.ts';
import { afterThisTick } from './after-this-tick.ts';

export interface EventAppender {
  /**
   * Gives the event its id and hands it to `read` at once; it goes into the log after every event queued
   * before it. Resolves with the id once the event is in the log, rejects if the log refused it for good.
   */
  append(event: StreamEvent): Promise<string>;
  /** Resolves once everything queued so far is in the log (or has failed for good). */
  settled(): Promise<void>;
  /**
   * Every event appended, with its id, from the first, as soon as it is appended, without waiting for the log:
   * what a reader of the log will see, for readers in this process. Ends after `end`.
   */
  read(signal: AbortSignal): AsyncIterable<LoggedEvent>;
  /**
   * The writer is done. Readers still waiting end after what was made: without `end` (another instance took
   * the answer over and ended it), the client resumes from the log, where the taker's `end` is.
   */
  close(): void;
}

export interface EventAppenderOptions {
  log: StreamLog;
  key: string;
  /** How long a failing append is retried before the generation gives up on the log. */
  retryForMs: number;
  onRetry?: (error: unknown) => void;
  /** The clock ids are made from, in epoch milliseconds; tests inject one. */
  now?: () => number;
}

const FIRST_RETRY_MS = 50;
const MAX_RETRY_MS = 1000;

/**
 * The one writer of a generation's stream. It makes the ids itself, the way the log would (`<ms>-<seq>`, never
 * going back), so the requester in this process reads each event as it is made instead of one log round trip
 * later, with the id any other reader will see. Appends to the log are serialised: pings fire from a timer and
 * text from the model loop, and a later event must not overtake an earlier one. A log that goes away for a
 * while (a Redis restart) is retried; if it comes back without the stream (a Redis that keeps nothing on disk),
 * the stream is written again, under the same ids, so a reader resuming from any id finds what it expects.
 */
export function createEventAppender({
  log,
  key,
  retryForMs,
  onRetry,
  now = Date.now,
}: EventAppenderOptions): EventAppender {
  let tail: Promise<unknown> = Promise.resolve();
  // Events appended and not yet through `store`.
  let queued = 0;
  const stored = () => {
    queued--;
  };
  const made: LoggedEvent[] = [];
  let last: StreamEventId = { ms: 0, seq: 0 };
  let closed = false;
  let changed = Promise.withResolvers<void>();
  const wake = () => {
    changed.resolve();
    changed = Promise.withResolvers();
  };

  function nextId(): string {
    last = nextStreamEventId(last, now());
    return formatStreamEventId(last.ms, last.seq);
  }

  /** Writes `logged`, which is `made[index]`, after every event before it has been through here. */
  async function store(logged: LoggedEvent, index: number): Promise<string> {
    const deadline = Date.now() + retryForMs;
    let delay = FIRST_RETRY_MS;
    let failed = false;
    for (;;) {
      try {
        if (failed && index > 0 && !(await log.exists(key))) {
          for (const earlier of made.slice(0, index)) {
            await log.append(key, earlier.event, earlier.id);
          }
        }
        await log.append(key, logged.event, logged.id);
        return logged.id;
      } catch (error) {
        if (error instanceof StaleEventIdError) {
          // After a failure, the write may have landed with only its reply lost. On a first try, another
          // instance has taken the stream over: nothing this one writes belongs in it any more.
          if (failed) {
            return logged.id;
          }
          throw error;
        }
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
      const logged: LoggedEvent = { id: nextId(), event };
      const index = made.push(logged) - 1;
      wake();
      // An event that finds nothing queued goes to the log after this tick, so readers in this process (the
      // requester) have it first. Events appended behind it follow it straight away: waiting a tick between
      // them would wake every reader of the log once per event instead of once per burst.
      const appended = (queued++ === 0 ? tail.then(afterThisTick) : tail).then(() => store(logged, index));
      tail = appended.then(stored, stored);
      return appended;
    },
    async settled() {
      await tail;
    },
    close() {
      closed = true;
      wake();
    },
    async *read(signal) {
      // An abort wakes every reader; the others find nothing new and wait again.
      signal.addEventListener('abort', wake, { once: true });
      try {
        for (let next = 0; !signal.aborted; ) {
          const event = made[next];
          if (event) {
            next++;
            yield event;
            if (event.event.type === 'end') {
              return;
            }
          } else if (closed) {
            return;
          } else {
            await changed.promise;
          }
        }
      } finally {
        signal.removeEventListener('abort', wake);
      }
    },
  };
}
