import type { FastifyReply } from 'fastify';
import type { LoggedEvent } from '../../../protocol/events.ts';
import { formatNativeEvent } from '../dialects/native-sse.ts';
import type { GenerationHandle } from '../generation/generation-service.ts';
import { openGenerationStream } from '../generation/open-generation-stream.ts';
import type { RouteDeps } from './route-deps.ts';
import { sendEventStream } from './sse-response.ts';

/**
 * Answers with a generation's native event stream after `afterId`, handing this subscriber a fresh token in
 * `start`. Resolves once the stream is found (or rejects, for a clean 404) and the response is taken over, not
 * when the stream ends. A caller that just started the answer passes its handle: the answer is then read as this process
 * appends it (or, for a retry that found an earlier request's answer, from the log by its chat, with no lookup).
 */
export async function replyWithGeneration(
  deps: RouteDeps,
  reply: FastifyReply,
  ownerId: string,
  streamId: string,
  afterId: string | undefined,
  started?: Pick<GenerationHandle, 'chatId' | 'read'>,
): Promise<void> {
  const read =
    started?.read ??
    (await openGenerationStream(
      { streamLog: deps.streamLog, messages: deps.repositories.messages },
      ownerId,
      streamId,
      afterId,
      started?.chatId,
    ));
  // Only `start` carries the token, so a resume past it signs nothing.
  const render = (event: LoggedEvent) =>
    formatNativeEvent(
      event,
      event.event.type === 'start' ? deps.streamTokens.sign(ownerId, streamId) : undefined,
    );
  // Not awaited: the response is handed over before this returns, and an idle subscriber is what thousands of
  // are held at once, so no handler stays parked beside it until the stream ends. It reports its own failures.
  void sendEventStream(reply, read, render, deps.metrics);
}
