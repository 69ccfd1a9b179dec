import type { LoggedEvent } from '../../../protocol/events.ts';
import { compareStreamEventId, parseStreamEventId, type StreamEventId } from './stream-event-id.ts';

/** A reader parked on a buffer until the next append. */
export interface StreamWaiter {
  /** False once it stopped waiting without being woken (aborted): the buffer then drops it lazily. */
  readonly waiting: boolean;
  wake(): void;
}

// Compacting an array only once this many of its slots are dead keeps trimming and leaving O(1) amortised.
const COMPACT_AFTER = 1024;
const COMPACT_WAITERS_AFTER = 64;

/**
 * The events of one stream held in this process, bounded to `maxLength` (oldest dropped first), and the
 * readers waiting for the next one. Positions are absolute (they count every event ever pushed), so a
 * reader's cursor stays valid across trims. The memory log keeps its streams in these; the Redis log
 * mirrors a followed stream into one.
 *
 * Entries are stored as ready-made iterator results and shared by every reader, so yielding an event
 * allocates nothing per subscriber but the promise `next()` must return. Readers must not mutate them.
 */
export class StreamBuffer {
  readonly #maxLength: number;
  #results: (IteratorYieldResult<LoggedEvent> | undefined)[] = [];
  /** Slots at the front of #results that were trimmed but not yet compacted away. */
  #dead = 0;
  /** Absolute position of #results[#dead]. */
  #start = 0;
  // Arrays, not a Set: every push empties the list and every waiting reader re-parks, and a Set's
  // add/clear churn cost more than the rest of a wake-up.
  #waiting: StreamWaiter[] = [];
  /** The array #waiting is swapped with while its waiters are woken, so a waiter can park again at once. */
  #spare: StreamWaiter[] = [];
  /** Waiters in #waiting that left without being woken. */
  #left = 0;
  #ended = false;
  #closed = false;
  /** True once an event was dropped for maxLength: nothing older can be held again. */
  #trimmed = false;

  constructor(maxLength: number) {
    this.#maxLength = maxLength;
  }

  /** Position of the oldest event still held. */
  get start(): number {
    return this.#start;
  }

  /** Position the next pushed event will get. */
  get end(): number {
    return this.#start + this.#results.length - this.#dead;
  }

  /** True once an `end` event was pushed. */
  get ended(): boolean {
    return this.#ended;
  }

  /** True once closed: nothing more will be pushed, and waiting readers were woken to finish. */
  get closed(): boolean {
    return this.#closed;
  }

  get lastId(): string | undefined {
    return this.#results[this.#results.length - 1]?.value.id;
  }

  /** The id of the oldest event held. */
  get firstId(): string | undefined {
    return this.#results[this.#dead]?.value.id;
  }

  get waitingCount(): number {
    return this.#waiting.length - this.#left;
  }

  at(position: number): IteratorYieldResult<LoggedEvent> | undefined {
    return this.#results[this.#dead + position - this.#start];
  }

  /** Position of the first held event whose id is greater than `id` (the end when there is none). */
  positionAfter(id: StreamEventId): number {
    let low = this.#dead;
    let high = this.#results.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const result = this.#results[middle];
      if (result && compareStreamEventId(result.value.id, id) <= 0) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return this.#start + low - this.#dead;
  }

  /** Appends one event (its id must be greater than the last) and wakes every waiting reader once. */
  push(event: LoggedEvent): void {
    this.#results.push({ value: event, done: false });
    if (event.event.type === 'end') {
      this.#ended = true;
    }
    if (this.#results.length - this.#dead > this.#maxLength) {
      this.#results[this.#dead] = undefined;
      this.#dead++;
      this.#start++;
      this.#trimmed = true;
      if (this.#dead >= COMPACT_AFTER && this.#dead * 2 >= this.#results.length) {
        this.#results = this.#results.slice(this.#dead);
        this.#dead = 0;
      }
    }
    this.#wakeAll();
  }

  /**
   * Puts events older than every held one in front of them (a stream loaded from a resume point, extended
   * back for a reader from an earlier one), as many of the newest as maxLength leaves room for. Positions
   * already handed out stay valid: the new events take the positions before `start`. Nothing goes in once
   * the buffer has trimmed, since anything older than what it dropped is beyond maxLength too.
   */
  prepend(events: LoggedEvent[]): void {
    const room = this.#trimmed ? 0 : this.#maxLength - (this.end - this.#start);
    const first = this.firstId;
    const before = first === undefined ? undefined : parseStreamEventId(first);
    const older = before ? events.filter(({ id }) => compareStreamEventId(id, before) < 0) : events;
    const kept = older.slice(Math.max(0, older.length - room));
    if (kept.length < older.length) {
      this.#trimmed = true;
    }
    if (kept.length === 0) {
      return;
    }
    const results = kept.map((value): IteratorYieldResult<LoggedEvent> => ({ value, done: false }));
    this.#results = [...results, ...this.#results.slice(this.#dead)];
    this.#dead = 0;
    this.#start -= kept.length;
  }

  /** Parks a reader until the next push or close; it is woken once, then must wait again. */
  wait(waiter: StreamWaiter): void {
    this.#waiting.push(waiter);
  }

  /** Told by a parked waiter that stops waiting; it is dropped at the next wake-up or compaction. */
  unwait(): void {
    this.#left++;
    if (this.#left >= COMPACT_WAITERS_AFTER && this.#left * 2 >= this.#waiting.length) {
      this.#waiting = this.#waiting.filter((waiter) => waiter.waiting);
      this.#left = 0;
    }
  }

  close(): void {
    this.#closed = true;
    this.#wakeAll();
  }

  #wakeAll(): void {
    const waking = this.#waiting;
    if (waking.length === 0) {
      return;
    }
    this.#waiting = this.#spare;
    this.#left = 0;
    for (const waiter of waking) {
      waiter.wake();
    }
    waking.length = 0;
    this.#spare = waking;
  }
}
