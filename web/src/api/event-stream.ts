import { EventSourceParserStream } from 'eventsource-parser/stream';

export interface ServerSentEvent {
  id: string | undefined;
  event: string | undefined;
  data: unknown;
}

/**
 * Reads a server-sent event stream with JSON `data:` from a fetch response. fetch, unlike EventSource, can
 * send `x-anon-id` and `Last-Event-ID`, and POST the prompt itself.
 */
export async function* readServerSentEvents(response: Response): AsyncGenerator<ServerSentEvent> {
  if (!response.body) {
    return;
  }
  const reader = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        return;
      }
      yield { id: value.id, event: value.event, data: JSON.parse(value.data) };
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
