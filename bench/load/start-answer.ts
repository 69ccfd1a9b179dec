import type { Agent } from 'node:http';
import type { EventSourceMessage } from 'eventsource-parser';
import { openSse, type SseConnection } from './open-sse.ts';

export interface StartedAnswer {
  streamId: string;
  /** The id of the `start` event: what a subscriber sends as Last-Event-ID to follow from there. */
  startEventId: string;
  /** The POST's own stream, still open: close it or read on. */
  connection: SseConnection;
}

/**
 * Posts a message on the native API and resolves once its `start` event names the stream. `onEvent` sees
 * every event of the POST's stream, `start` included.
 */
export function startAnswer(input: {
  url: string;
  headers: Record<string, string>;
  chatId: string;
  body: Record<string, unknown>;
  /** A keep-alive agent to post through; by default the POST has a connection of its own. */
  agent?: Agent;
  onEvent?: (event: EventSourceMessage, at: number) => void;
}): Promise<StartedAnswer> {
  const started = Promise.withResolvers<StartedAnswer>();
  const connection = openSse(
    {
      url: `${input.url}/api/chats/${input.chatId}/messages`,
      method: 'POST',
      headers: input.headers,
      body: input.body,
      agent: input.agent ?? false,
    },
    (event, at) => {
      if (event.event === 'start') {
        const data = JSON.parse(event.data) as { streamId: string };
        started.resolve({ streamId: data.streamId, startEventId: event.id ?? '', connection });
      }
      input.onEvent?.(event, at);
    },
  );
  connection.done.then(
    () => started.reject(new Error('the answer ended before its start event')),
    (error: unknown) => started.reject(error),
  );
  return started.promise;
}
