// `eventsource-parser` is the SSE parser the Vercel AI SDK builds on. It implements the whole grammar (multi-line
// data, comments, CRLF, split chunks) and caps its buffer. We feed its push parser from one loop over the body
// rather than piping through TextDecoderStream and its EventSourceParserStream: each transform stream costs
// promises and queueing per chunk, which showed up as a quarter of the relay's CPU per token. The body is read
// by `readBodyText`, for the same reason.
import { createParser, type EventSourceMessage, type ParseError } from 'eventsource-parser';
import { AppError } from '../app-error.ts';
import { readBodyText } from './body-text.ts';
import type { UpstreamCall } from './provider-errors.ts';
import type { UpstreamResponse } from './upstream-http.ts';

const maxEventChars = 1024 * 1024;

/**
 * The events of a 2xx answer to `call`. Another content type (a proxy's HTML page, a JSON answer) and an event
 * still unfinished after a million characters are PROVIDER_BAD_RESPONSE; read failures are coded by
 * `call.readFailure`, and each chunk feeds the call's idle clock.
 */
export async function* readSse(input: {
  provider: string;
  call: UpstreamCall;
  response: UpstreamResponse;
}): AsyncGenerator<EventSourceMessage> {
  const { provider, call, response } = input;
  const contentType = response.headers.get('content-type') ?? '';
  if (!contentType.includes('text/event-stream')) {
    throw new AppError('PROVIDER_BAD_RESPONSE', {
      cause: new Error(
        `${provider} answered ${contentType || 'no content type'} instead of text/event-stream`,
      ),
    });
  }
  const events: EventSourceMessage[] = [];
  let overflow: ParseError | undefined;
  const parser = createParser({
    onEvent: (event) => events.push(event),
    // Only an over-long event stops the parser; the spec has a reader skip the rest (a bad `retry`, an unknown field).
    onError: (error) => {
      if (error.type === 'max-buffer-size-exceeded') {
        overflow = error;
      }
    },
    maxBufferSize: maxEventChars,
  });
  try {
    // A reader that stops at the last event leaves the body to `call.close`, which keeps a finished connection.
    for await (const text of readBodyText(response.body)) {
      call.received();
      parser.feed(text);
      for (const event of events) {
        yield event;
      }
      events.length = 0;
      if (overflow) {
        break;
      }
    }
  } catch (error) {
    throw call.readFailure(error);
  }
  if (overflow) {
    throw new AppError('PROVIDER_BAD_RESPONSE', { cause: overflow });
  }
}
