import { Type } from 'typebox';
import {
  ActiveStreamList,
  CancelResult,
  ErrorResponse,
  IdParams,
  StreamQuery,
} from '../../../protocol/api.ts';
import { AppError } from '../app-error.ts';
import { parseStreamEventId } from '../streams/stream-event-id.ts';
import { replyWithGeneration } from './native-stream.ts';
import { principalHeaders, type RouteDeps, requirePrincipal, type TypedApp } from './route-deps.ts';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse };

export function registerStreamRoutes(app: TypedApp, deps: RouteDeps): void {
  app.get(
    '/api/streams',
    {
      schema: {
        tags: ['streams'],
        summary: 'The caller’s answers still streaming',
        response: { 200: ActiveStreamList, ...errors },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(deps, request);
      const streaming = await deps.repositories.messages.listStreaming(principal.id);
      const streams = streaming.map((message) => ({
        streamId: message.id,
        chatId: message.chatId,
        messageId: message.id,
        model: message.model,
        createdAt: message.createdAt.toISOString(),
        token: deps.streamTokens.sign(principal.id, message.id),
      }));
      return { streams };
    },
  );

  app.get(
    '/api/streams/:id',
    {
      schema: {
        tags: ['streams'],
        summary: 'Resume a stream after Last-Event-ID (EventSource-compatible)',
        description:
          'Replays every event after the Last-Event-ID header (or lastEventId query), then follows live. ' +
          'EventSource cannot send headers, so a stream token from `start` or GET /api/streams may be sent as ?token=.',
        params: IdParams,
        querystring: StreamQuery,
        headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ maxLength: 100 })) }),
        response: { 200: { description: 'text/event-stream of native events' }, ...errors },
      },
    },
    async (request, reply) => {
      const streamId = request.params.id;
      const fromHeaders = await deps.auth.resolveOptional(principalHeaders(request));
      const ownerId =
        fromHeaders?.id ??
        (request.query.token === undefined
          ? undefined
          : deps.streamTokens.verify(request.query.token, streamId));
      if (ownerId === undefined) {
        throw new AppError('UNAUTHENTICATED');
      }
      const afterId = request.headers['last-event-id'] ?? request.query.lastEventId;
      if (afterId !== undefined) {
        // Throws the coded 400 before any byte of the stream is sent.
        parseStreamEventId(afterId);
      }
      await replyWithGeneration(deps, reply, ownerId, streamId, afterId);
    },
  );

  app.post(
    '/api/streams/:id/cancel',
    {
      schema: {
        tags: ['streams'],
        summary: 'Stop an answer; the partial text is saved as cancelled',
        params: IdParams,
        response: { 200: CancelResult, ...errors },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(deps, request);
      return deps.generations.cancel(principal.id, request.params.id);
    },
  );
}
