import { Type } from 'typebox';
import {
  Chat,
  ChatPage,
  ChatWithMessages,
  CreateChatBody,
  ErrorResponse,
  IdParams,
  ListChatsQuery,
  UpdateChatBody,
} from '../../../protocol/api.ts';
import { AppError } from '../app-error.ts';
import { streamKeyOf } from '../generation/stream-key.ts';
import { decodeChatCursor, encodeChatCursor } from './chat-cursor.ts';
import { createOwnedChat } from './create-owned-chat.ts';
import { type RouteDeps, requirePrincipal, type TypedApp } from './route-deps.ts';
import { toApiChat, toApiMessage } from './to-api.ts';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse };

export function registerChatRoutes(app: TypedApp, deps: RouteDeps): void {
  const { chats, messages } = deps.repositories;

  app.post(
    '/api/chats',
    { schema: { tags: ['chats'], body: CreateChatBody, response: { 201: Chat, ...errors } } },
    async (request, reply) => {
      const principal = await requirePrincipal(deps, request);
      const chat = await createOwnedChat(deps, principal.id, request.body);
      return reply.code(201).send(toApiChat(chat));
    },
  );

  app.get(
    '/api/chats',
    { schema: { tags: ['chats'], querystring: ListChatsQuery, response: { 200: ChatPage, ...errors } } },
    async (request) => {
      const principal = await requirePrincipal(deps, request);
      const limit = request.query.limit ?? 20;
      const cursor = request.query.cursor === undefined ? undefined : decodeChatCursor(request.query.cursor);
      // One extra row tells whether another page exists without a count query.
      const rows = await chats.listChats(principal.id, { limit: limit + 1, ...(cursor && { cursor }) });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        chats: page.map(toApiChat),
        nextCursor: rows.length > limit && last ? encodeChatCursor(last) : null,
      };
    },
  );

  app.get(
    '/api/chats/:id',
    { schema: { tags: ['chats'], params: IdParams, response: { 200: ChatWithMessages, ...errors } } },
    async (request) => {
      const principal = await requirePrincipal(deps, request);
      const found = await chats.getChatWithMessages(principal.id, request.params.id);
      if (!found) {
        throw new AppError('NOT_FOUND', { message: 'No such chat.' });
      }
      const { chat, thread } = found;
      return { chat: toApiChat(chat), messages: thread.map(toApiMessage) };
    },
  );

  app.patch(
    '/api/chats/:id',
    {
      schema: { tags: ['chats'], params: IdParams, body: UpdateChatBody, response: { 200: Chat, ...errors } },
    },
    async (request) => {
      const principal = await requirePrincipal(deps, request);
      const chat = await chats.renameChat(principal.id, request.params.id, request.body.title, deps.now());
      if (!chat) {
        throw new AppError('NOT_FOUND', { message: 'No such chat.' });
      }
      deps.notifications.notify({ type: 'chat_updated', ownerId: principal.id, chat });
      return toApiChat(chat);
    },
  );

  app.delete(
    '/api/chats/:id',
    {
      schema: {
        tags: ['chats'],
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errors },
      },
    },
    async (request, reply) => {
      const principal = await requirePrincipal(deps, request);
      const chatId = request.params.id;
      // An answer still running in this chat is stopped first, so no provider keeps generating for nothing.
      const streaming = await messages.listStreaming(principal.id);
      await Promise.all(
        streaming
          .filter((message) => message.chatId === chatId)
          .map((message) => deps.generations.cancel(principal.id, message.id)),
      );
      const deleted = await chats.deleteChat(principal.id, chatId);
      if (!deleted) {
        throw new AppError('NOT_FOUND', { message: 'No such chat.' });
      }
      // The log would replay its answers to a resume until they expire (STREAM_TTL_SECONDS). The chat is gone
      // either way: when the log cannot be reached, that is logged, and the streams expire as they would have.
      await deps.streamLog
        .remove(deleted.answerIds.map((streamId) => streamKeyOf({ ownerId: principal.id, chatId, streamId })))
        .catch((error: unknown) => request.log.error({ err: error }, 'the deleted chat kept its streams'));
      deps.notifications.notify({ type: 'chat_deleted', ownerId: principal.id, chatId });
      return reply.code(204).send(null);
    },
  );
}
