// `eventsource-parser` (its EventSourceParserStream) is the SSE parser the Vercel AI SDK builds on. It implements
// the whole grammar (multi-line data, comments, CRLF, split chunks) and caps its buffer.
import { type EventSourceMessage, ParseError } from 'eventsource-parser';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { AppError } from '../app-error.ts';
import type { UpstreamCall } from './provider-errors.ts';

/**
 * The events of a 2xx answer to `call`. Another content type (a proxy's HTML page, a JSON answer) and an event
 * still unfinished after a million characters are PROVIDER_BAD_RESPONSE; read failures keep the codes `call.body`
 * gives them.
 */
export async function* readSse(input: {
  provider: string;
  call: UpstreamCall;
  response: Response;
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
  const events = call
    .body(response)
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream({ maxBufferSize: 1024 * 1024 }));
  try {
    yield* events;
  } catch (error) {
    throw error instanceof ParseError ? new AppError('PROVIDER_BAD_RESPONSE', { cause: error }) : error;
  }
}
