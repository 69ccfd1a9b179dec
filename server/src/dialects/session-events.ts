import type { LoggedEvent } from '../../../protocol/events.ts';
import type { SessionStreamEvent } from '../../../protocol/session-flow.ts';

/**
 * Seed 001's stream: unnamed events, so `EventSource.onmessage` sees them all. Each carries its log id, so
 * EventSource's own reconnect resumes where it left off. Pings become comments; the rest has no seed form.
 */
export function formatSessionEvent({ id, event }: LoggedEvent): string {
  let data: SessionStreamEvent;
  switch (event.type) {
    case 'text':
      data = { type: 'token', content: event.data.text };
      break;
    case 'error':
      data = { type: 'error', code: event.data.code, message: event.data.message };
      break;
    case 'end':
      data = { type: 'done', status: event.data.status };
      break;
    case 'ping':
      return ': ping\n\n';
    default:
      return '';
  }
  return `id: ${id}\ndata: ${JSON.stringify(data)}\n\n`;
}
