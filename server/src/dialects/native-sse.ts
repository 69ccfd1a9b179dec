import type { LoggedEvent } from '../../../protocol/events.ts';

/**
 * One native event as SSE bytes: `id:` is the stream log id (what Last-Event-ID resumes from), `event:` the
 * event type, `data:` its JSON on one line. A `start` event gets the subscriber's own stream token.
 */
export function formatNativeEvent({ id, event }: LoggedEvent, streamToken?: string): string {
  const data = event.type === 'start' && streamToken ? { ...event.data, token: streamToken } : event.data;
  return `id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`;
}
