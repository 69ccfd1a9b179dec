import type { LoggedEvent } from '../../../protocol/events.ts';

/** What an SSE response writes for one event: text, or the same already encoded. */
export type SseFrame = string | Buffer;

// The last event encoded, and its bytes. Subscribers of one stream are woken together and each renders the
// same event in turn, so one slot spares all but the first the JSON and the UTF-8 encoding; holding no more
// than one event keeps nothing alive that the stream log has let go.
let lastEvent: LoggedEvent | undefined;
let lastFrame: Buffer = Buffer.alloc(0);

/**
 * One native event as SSE bytes: `id:` is the stream log id (what Last-Event-ID resumes from), `event:` the
 * event type, `data:` its JSON on one line. A `start` event gets the subscriber's own stream token.
 */
export function formatNativeEvent(logged: LoggedEvent, streamToken?: string): SseFrame {
  const { id, event } = logged;
  if (event.type === 'start' && streamToken) {
    return `id: ${id}\nevent: start\ndata: ${JSON.stringify({ ...event.data, token: streamToken })}\n\n`;
  }
  if (logged !== lastEvent) {
    lastFrame = Buffer.from(`id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`);
    lastEvent = logged;
  }
  return lastFrame;
}
