import type { LoggedEvent } from '../../../protocol/events.ts';
import type { StreamBuffer, StreamWaiter } from './stream-buffer.ts';
import { compareStreamEventId, type StreamEventId } from './stream-event-id.ts';

type Result = IteratorResult<LoggedEvent, undefined>;

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };
const DONE_PROMISE = Promise.resolve(DONE);

export interface StreamReaderOptions {
  /** The buffer to read, or a promise of it while it loads; `undefined` means the stream does not exist. */
  buffer: StreamBuffer | Promise<StreamBuffer | undefined>;
  afterId: StreamEventId | undefined;
  signal: AbortSignal;
  /** Called once when the reader finishes, however it finishes. */
  onFinish?: () => void;
}

/**
 * One subscriber of a stream: replays the buffer after `afterId`, then follows it until `end`, close or
 * abort. A hand-written iterator rather than an async generator, because a subscriber is the unit that
 * fan-out multiplies: it holds a few fields, hands out events already held without parking, parks with
 * one promise that the next push settles, and is its own abort listener (no closure). Iterate it once,
 * with `for await`.
 */
export class StreamReader implements AsyncIterableIterator<LoggedEvent, undefined>, StreamWaiter {
  #buffer: StreamBuffer | undefined;
  #loading: Promise<StreamBuffer | undefined> | undefined;
  #afterId: StreamEventId | undefined;
  /** Set while the reader is past everything held: what arrives must still be after `afterId`. */
  #floor: StreamEventId | undefined;
  #position = 0;
  readonly #signal: AbortSignal;
  #onFinish: (() => void) | undefined;
  #resolve: ((result: Result) => void) | undefined;
  #done = false;

  constructor(options: StreamReaderOptions) {
    this.#signal = options.signal;
    this.#onFinish = options.onFinish;
    this.#afterId = options.afterId;
    if (options.buffer instanceof Promise) {
      this.#loading = options.buffer;
    } else {
      this.#attach(options.buffer);
    }
    if (this.#signal.aborted) {
      this.#finish();
    } else {
      this.#signal.addEventListener('abort', this);
    }
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<Result> {
    if (this.#done) {
      return DONE_PROMISE;
    }
    if (this.#loading) {
      return this.#loading.then(
        (buffer) => {
          this.#loading = undefined;
          if (!buffer) {
            this.#finish();
          } else if (!this.#done) {
            this.#attach(buffer);
          }
          return this.next();
        },
        (error: unknown) => {
          this.#finish();
          throw error;
        },
      );
    }
    const result = this.#take();
    if (result) {
      return Promise.resolve(result);
    }
    return new Promise((resolve) => {
      this.#resolve = resolve;
      this.#buffer?.wait(this);
    });
  }

  return(): Promise<Result> {
    this.#finish();
    return DONE_PROMISE;
  }

  get waiting(): boolean {
    return this.#resolve !== undefined;
  }

  /** Called by the buffer after a push or close. */
  wake(): void {
    const resolve = this.#resolve;
    if (!resolve) {
      return;
    }
    this.#resolve = undefined;
    const result = this.#take();
    if (result) {
      resolve(result);
    } else {
      // All that arrived was at or before afterId.
      this.#resolve = resolve;
      this.#buffer?.wait(this);
    }
  }

  /** The abort listener. */
  handleEvent(): void {
    this.#finish();
  }

  #attach(buffer: StreamBuffer): void {
    this.#buffer = buffer;
    const afterId = this.#afterId;
    this.#position = afterId === undefined ? buffer.start : buffer.positionAfter(afterId);
    // A resume point newer than all we hold: a Redis mirror that has not caught up yet, or a made-up id.
    // Either way, nothing up to it may be yielded again.
    this.#floor = this.#position === buffer.end ? afterId : undefined;
  }

  /** The next event if one is held, DONE if none will come, undefined if the reader has to wait. */
  #take(): Result | undefined {
    const buffer = this.#buffer;
    if (!buffer) {
      return this.#stop();
    }
    if (this.#position < buffer.start) {
      // Fell behind the trimmed window: what remains is all there is to give.
      this.#position = buffer.start;
    }
    let result = buffer.at(this.#position);
    const floor = this.#floor;
    if (floor && result) {
      while (result && compareStreamEventId(result.value.id, floor) <= 0) {
        this.#position++;
        result = buffer.at(this.#position);
      }
      if (result) {
        this.#floor = undefined;
      }
    }
    if (!result) {
      // Past the end event (a resume from its id) there is nothing left to wait for.
      return buffer.closed || buffer.ended ? this.#stop() : undefined;
    }
    this.#position++;
    if (result.value.event.type === 'end') {
      this.#finish();
    }
    return result;
  }

  #stop(): Result {
    this.#finish();
    return DONE;
  }

  #finish(): void {
    if (this.#done) {
      return;
    }
    this.#done = true;
    this.#signal.removeEventListener('abort', this);
    const resolve = this.#resolve;
    if (resolve) {
      this.#resolve = undefined;
      this.#buffer?.unwait();
      resolve(DONE);
    }
    const onFinish = this.#onFinish;
    this.#onFinish = undefined;
    onFinish?.();
  }
}

/** What `read` returns for a stream that is not there: an iterable that ends at once. */
export const emptyRead: AsyncIterable<LoggedEvent> = {
  [Symbol.asyncIterator]: () => ({ next: () => DONE_PROMISE }),
};
