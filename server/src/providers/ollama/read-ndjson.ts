// NDJSON is JSON text per line, so the parser is two maintained pieces: Node's `readline` splits the byte stream
// into lines (decoding UTF-8 across chunk boundaries, CR/LF alike) and JSON.parse reads each. The official
// `ollama` package skips an unreadable line with a console warning and drops the status and headers of a failed
// answer; we need the first to be PROVIDER_BAD_RESPONSE and the second for Retry-After and our error codes.
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { parseChunk } from '../provider-errors.ts';

/** Each non-empty line of an NDJSON body, parsed; a line that is not JSON throws PROVIDER_BAD_RESPONSE. */
export async function* readNdjson(
  provider: string,
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<unknown> {
  const input = Readable.fromWeb(body as NodeReadableStream);
  try {
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      if (line.trim() !== '') {
        yield parseChunk(provider, line);
      }
    }
  } finally {
    // A reader that stops early (done, error, cancel) detaches here, or the body's later abort would surface
    // as an unhandled 'error' event.
    input.destroy();
  }
}
