export interface TextBatcher {
  /** Adds model text. The first piece of a generation goes out at once, so batching never delays TTFT. */
  push(text: string): void;
  /** Sends whatever is pending; called before any other event and at the end. */
  flush(): void;
}

export interface TextBatcherOptions {
  maxChars: number;
  windowMs: number;
  send(text: string): void;
}

/**
 * Groups tokens into fewer, larger `text` events: a batch is sent when it reaches `maxChars` or when `windowMs`
 * has passed since its first piece, so the cost per event stays flat however fast the model streams.
 */
export function createTextBatcher({ maxChars, windowMs, send }: TextBatcherOptions): TextBatcher {
  let pending = '';
  let sentFirst = false;
  let timer: NodeJS.Timeout | undefined;

  function flush(): void {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (pending !== '') {
      const text = pending;
      pending = '';
      send(text);
    }
  }

  return {
    push(text) {
      if (text === '') {
        return;
      }
      pending += text;
      if (!sentFirst || pending.length >= maxChars || windowMs === 0) {
        sentFirst = true;
        flush();
        return;
      }
      timer ??= setTimeout(flush, windowMs);
    },
    flush,
  };
}
