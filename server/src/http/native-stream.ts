import type { FastifyReply } from 'fastify';
import { formatNativeEvent } from '../dialects/native-sse.ts';
import { openGenerationStream } from '../generation/open-generation-stream.ts';
import type { RouteDeps } from './route-deps.ts';
import { sendEventStream } from './sse-response.ts';

/** Answers with a generation's native event stream after `afterId`, handing this subscriber a fresh token. */
export async function replyWithGeneration(
  deps: RouteDeps,
  reply: FastifyReply,
  ownerId: string,
  streamId: string,
  afterId: string | undefined,
): Promise<void> {
  // Signing overlaps the lookups; a token for a stream that turns out not to exist is never sent.
  const [read, token] = await Promise.all([
    openGenerationStream(
      { streamLog: deps.streamLog, messages: deps.repositories.messages },
      ownerId,
      streamId,
      afterId,
    ),
    deps.streamTokens.sign(ownerId, streamId),
  ]);
  await sendEventStream(reply, read, (event) => formatNativeEvent(event, token), deps.metrics);
}
