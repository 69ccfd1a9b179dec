import type { StreamEvent } from '../../../protocol/events.ts';
import type { StreamLog } from '../streams/stream-log.ts';

export interface EventAppender {
  /** Queues an event; appends happen one at a time, in call order. Resolves with the event's id. */
  append(event: StreamEvent): Promise<string>;
  /** Resolves once everything queued so far is in the log. */
  settled(): Promise<void>;
}

/**
 * Serialises appends to one stream. Pings fire from a timer and text from the model loop, so without a queue
 * a slow append (Redis) could let a later event overtake an earlier one and break the id order.
 */
export function createEventAppender(log: StreamLog, streamId: string): EventAppender {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    append(event) {
      const appended = tail.then(() => log.append(streamId, event));
      tail = appended.catch(() => undefined);
      return appended;
    },
    async settled() {
      await tail;
    },
  };
}
