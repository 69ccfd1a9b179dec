// NDJSON is JSON text per line, so the parser is two maintained pieces: Node's `readline` splits the text into
// lines (CR/LF alike) and JSON.parse reads each. The text comes from `readBodyText`, which decodes UTF-8 across
// chunk boundaries, as it does for SSE. The official `ollama` package skips an unreadable line with a console
// warning and drops the status and headers of a failed answer; we need the first to be PROVIDER_BAD_RESPONSE and
// the second for Retry-After and our error codes.
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { readBodyText } from '../body-text.ts';
import { parseChunk, type UpstreamCall } from '../provider-errors.ts';
import type { UpstreamResponse } from '../upstream-http.ts';

/**
 * Each non-empty line of the NDJSON answer to `call`, parsed; a line that is not JSON throws
 * PROVIDER_BAD_RESPONSE, read failures are coded by `call.readFailure`, and each chunk feeds the idle clock.
 */
export async function* readNdjson(input: {
  provider: string;
  call: UpstreamCall;
  response: UpstreamResponse;
}): AsyncGenerator<unknown> {
  const { provider, call, response } = input;
  const lines = Readable.from(readChunks(call, response.body), { objectMode: false });
  try {
    for await (const line of createInterface({ input: lines, crlfDelay: Infinity })) {
      if (line.trim() !== '') {
        yield parseChunk(provider, line);
      }
    }
  } finally {
    // A reader that stops early (done, error, cancel) detaches here, or the body's later abort would surface
    // as an unhandled 'error' event.
    lines.destroy();
  }
}

async function* readChunks(call: UpstreamCall, body: Readable): AsyncGenerator<string> {
  try {
    // A reader that stops at the last line leaves the body to `call.close`, which keeps a finished connection.
    for await (const text of readBodyText(body)) {
      call.received();
      yield text;
    }
  } catch (error) {
    throw call.readFailure(error);
  }
}
