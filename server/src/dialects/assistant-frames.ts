import type { AssistantEvents, TestSseEvents } from '../../../protocol/assistant-events.ts';

type FrameEvents = AssistantEvents & TestSseEvents;

/** One named SSE event of seed 003's API; `id` when it stands for a stream log event, so it can be resumed. */
export function formatAssistantFrame<Name extends keyof FrameEvents>(
  name: Name,
  data: FrameEvents[Name],
  id?: string,
): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}
