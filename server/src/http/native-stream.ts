import type { FastifyReply } from 'fastify';
import type { LoggedEvent } from '../../../protocol/events.ts';
import { formatNativeEvent } from '../dialects/native-sse.ts';
import type { GenerationHandle, WhileSaving } from '../generation/generation-service.ts';
import { openGenerationStream } from '../generation/open-generation-stream.ts';
import type { RouteDeps } from './route-deps.ts';
import { sendEventStream } from './sse-response.ts';

/**
 * Answers with a generation's native event stream after `afterId`, handing this subscriber a fresh token in
 * `start`. Resolves once the stream is found (or rejects, for a clean 404) and the response is taken over, not
 * when the stream ends. A caller that just started the answer passes its handle: the answer is then read as this
 * process appends it (or, for a retry that found an earlier request's answer, from the log by its chat, with no
 * lookup). It may pass the token it signed for the stream already.
 */
export async function replyWithGeneration(
  deps: RouteDeps,
  reply: FastifyReply,
  ownerId: string,
  streamId: string,
  afterId: string | undefined,
  started?: Pick<GenerationHandle, 'chatId' | 'read'>,
  signedToken?: string,
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
      event.event.type === 'start' ? (signedToken ?? deps.streamTokens.sign(ownerId, streamId)) : undefined,
    );
  // Not awaited: the response is handed over before this returns, and an idle subscriber is what thousands of
  // are held at once, so no handler stays parked beside it until the stream ends. It reports its own failures.
  void sendEventStream(reply, read, render, deps.metrics);
}

/**
 * Starts an answer with `start` and answers with its native event stream. The token `start` carries is signed
 * while the answer's rows are being saved, so it costs nothing before the first byte.
 */
export async function replyWithNewGeneration(
  deps: RouteDeps,
  reply: FastifyReply,
  ownerId: string,
  start: (whileSaving: WhileSaving) => Promise<GenerationHandle>,
): Promise<void> {
  let signed: { streamId: string; token: string } | undefined;
  const handle = await start((streamId) => {
    signed = { streamId, token: deps.streamTokens.sign(ownerId, streamId) };
  });
  // An idempotent retry attaches to an earlier request's answer, whose id was never told.
  const token = signed?.streamId === handle.streamId ? signed.token : undefined;
  await replyWithGeneration(deps, reply, ownerId, handle.streamId, undefined, handle, token);
}
