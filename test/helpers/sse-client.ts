import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseEvent {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

/** Parses an SSE body with eventsource-parser, yielding events as they arrive. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const queue: SseEvent[] = [];
  const parser = createParser({
    onEvent: (message: EventSourceMessage) =>
      queue.push({ id: message.id, event: message.event, data: message.data }),
  });
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    while (queue.length > 0) {
      yield queue.shift() as SseEvent;
    }
  }
}

/** Reads a whole SSE response into its events. */
export async function collectSse(response: Response): Promise<SseEvent[]> {
  if (!response.body) {
    throw new Error('response has no body');
  }
  const events: SseEvent[] = [];
  for await (const event of readSse(response.body)) {
    events.push(event);
  }
  return events;
}

/** The concatenated text of the `text` events. */
export function textOf(events: SseEvent[]): string {
  return events
    .filter((event) => event.event === 'text')
    .map((event) => (JSON.parse(event.data) as { text: string }).text)
    .join('');
}
