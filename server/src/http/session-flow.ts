import { ErrorResponse } from '../../../protocol/api.ts';
import {
  ChatHistory,
  HistoryQuery,
  SessionStreamQuery,
  StartedSession,
  StartSessionBody,
} from '../../../protocol/session-flow.ts';
import { AppError } from '../app-error.ts';
import { formatSessionEvent } from '../dialects/session-events.ts';
import { openGenerationStream } from '../generation/open-generation-stream.ts';
import { parseStreamEventId } from '../streams/stream-event-id.ts';
import { createOwnedChat } from './create-owned-chat.ts';
import { type RouteDeps, requirePrincipal, type TypedApp } from './route-deps.ts';
import { sendEventStream } from './sse-response.ts';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

/**
 * Seed 001's surface over the same generations: the answer starts on POST (so it finishes and is saved
 * whatever the reader does), and the session id is a 10-minute stream token, so EventSource needs no headers.
 */
export function registerSessionFlowRoutes(app: TypedApp, deps: RouteDeps): void {
  app.post(
    '/api/chat/start',
    {
      schema: {
        tags: ['seed 001'],
        summary: 'Start an answer; read it with GET /api/chat/stream?sessionId=',
        body: StartSessionBody,
        response: { 200: StartedSession, ...errors },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(deps, request);
      const { prompt, modelId, chatId } = request.body;
      const chat = chatId
        ? { id: chatId }
        : await createOwnedChat(deps, principal.id, { model: modelId, modelField: 'modelId' });
      const handle = await deps.generations.send(principal.id, chat.id, {
        content: prompt,
        ...(modelId !== undefined && { model: modelId }),
      });
      return {
        sessionId: deps.streamTokens.sign(principal.id, handle.streamId),
        chatId: handle.chatId,
        messageId: handle.streamId,
      };
    },
  );

  app.get(
    '/api/chat/stream',
    {
      schema: {
        tags: ['seed 001'],
        summary: 'The answer of a session: unnamed events {type: token | done | error}',
        querystring: SessionStreamQuery,
        response: { 200: { description: 'text/event-stream' }, ...errors },
      },
    },
    async (request, reply) => {
      const { principalId, streamId } = deps.streamTokens.open(request.query.sessionId);
      const lastEventId = request.headers['last-event-id'];
      const afterId = typeof lastEventId === 'string' ? lastEventId : undefined;
      if (afterId !== undefined) {
        parseStreamEventId(afterId);
      }
      const read = await openGenerationStream(
        { streamLog: deps.streamLog, messages: deps.repositories.messages },
        principalId,
        streamId,
        afterId,
      );
      await sendEventStream(reply, read, formatSessionEvent, deps.metrics);
    },
  );

  app.get(
    '/api/chat/history',
    {
      schema: {
        tags: ['seed 001'],
        querystring: HistoryQuery,
        response: { 200: ChatHistory, ...errors },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(deps, request);
      const found = await deps.repositories.chats.getChatWithMessages(principal.id, request.query.chatId);
      if (!found) {
        throw new AppError('NOT_FOUND', { message: 'No such chat.' });
      }
      const { chat, thread } = found;
      return {
        chatId: chat.id,
        messages: thread.map((message) => ({
          id: message.id,
          role: message.role,
          content: message.content,
          status: message.status,
          model: message.model,
          createdAt: message.createdAt.toISOString(),
        })),
      };
    },
  );
}
