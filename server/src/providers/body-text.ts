import type { Readable } from 'node:stream';

// Past this much unread text the body is paused, so a reader slower than its provider holds a bounded amount.
const PAUSE_AT_CHARS = 64 * 1024;

/**
 * The text of an upstream body as it arrives, UTF-8 decoded; everything that arrived while the reader was busy
 * comes as one piece. It listens for 'data' rather than iterating the stream: Node's async iterator takes a
 * `read()`, a 'readable' event and a tick for every chunk, which cost more than parsing the chunk did in the
 * relay benchmark. Throws what failed the body, or an error if it closed before its end. A reader that stops
 * early leaves the body as it is (the caller decides whether to drain or destroy it).
 */
export async function* readBodyText(body: Readable): AsyncGenerator<string> {
  body.setEncoding('utf8');
  let pending = '';
  let paused = false;
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  const onData = (chunk: string) => {
    pending += chunk;
    if (pending.length >= PAUSE_AT_CHARS) {
      paused = true;
      body.pause();
    }
    notify();
  };
  const onEnd = () => {
    ended = true;
    notify();
  };
  const onError = (error: unknown) => {
    failure ??= error;
    notify();
  };
  const onClose = () => {
    if (!ended) {
      failure ??= new Error('the body closed before its end');
    }
    notify();
  };
  body.on('data', onData);
  body.on('end', onEnd);
  body.on('error', onError);
  body.on('close', onClose);
  try {
    for (;;) {
      if (pending !== '') {
        const text = pending;
        pending = '';
        if (paused) {
          paused = false;
          body.resume();
        }
        yield text;
      } else if (failure !== undefined) {
        throw failure;
      } else if (ended) {
        return;
      } else {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    }
  } finally {
    body.off('data', onData);
    body.off('end', onEnd);
    body.off('error', onError);
    body.off('close', onClose);
  }
}
