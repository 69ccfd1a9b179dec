import {
  EditMessageBody,
  ErrorResponse,
  IdParams,
  MessageParams,
  MessageVersions,
  RegenerateBody,
  SendMessageBody,
} from '../../../protocol/api.ts';
import { AppError } from '../app-error.ts';
import { emptyBodyAsObject } from './empty-body.ts';
import { replyWithNewGeneration } from './native-stream.ts';
import { type RouteDeps, requirePrincipal, type TypedApp } from './route-deps.ts';
import { toApiMessage } from './to-api.ts';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const eventStream = {
  200: {
    description:
      'text/event-stream of native events: start, text, tool_call, usage, ping, error, cancel, end',
  },
};

export function registerMessageRoutes(app: TypedApp, deps: RouteDeps): void {
  app.post(
    '/api/chats/:id/messages',
    {
      schema: {
        tags: ['messages'],
        summary: 'Send a message; the answer streams back as server-sent events',
        params: IdParams,
        body: SendMessageBody,
        response: { ...eventStream, ...errors },
      },
    },
    async (request, reply) => {
      const principal = await requirePrincipal(deps, request);
      await replyWithNewGeneration(deps, reply, principal.id, (whileSaving) =>
        deps.generations.send(principal.id, request.params.id, request.body, whileSaving),
      );
    },
  );

  app.post(
    '/api/chats/:id/messages/:messageId/edit',
    {
      schema: {
        tags: ['messages'],
        summary:
          'Edit a user message: saves a new version of it and streams its answer as server-sent events; the chat now reads along this branch, earlier versions are kept',
        params: MessageParams,
        body: EditMessageBody,
        response: { ...eventStream, ...errors },
      },
    },
    async (request, reply) => {
      const principal = await requirePrincipal(deps, request);
      const { id, messageId } = request.params;
      await replyWithNewGeneration(deps, reply, principal.id, (whileSaving) =>
        deps.generations.edit(principal.id, id, messageId, request.body, whileSaving),
      );
    },
  );

  app.post(
    '/api/chats/:id/messages/:messageId/regenerate',
    {
      schema: {
        tags: ['messages'],
        summary: 'Stream a new version of an answer; earlier versions are kept',
        params: MessageParams,
        body: RegenerateBody,
        response: { ...eventStream, ...errors },
      },
      preValidation: emptyBodyAsObject,
    },
    async (request, reply) => {
      const principal = await requirePrincipal(deps, request);
      const { id, messageId } = request.params;
      await replyWithNewGeneration(deps, reply, principal.id, (whileSaving) =>
        deps.generations.regenerate(principal.id, id, messageId, request.body, whileSaving),
      );
    },
  );

  app.get(
    '/api/chats/:id/messages/:messageId/versions',
    {
      schema: {
        tags: ['messages'],
        summary:
          'The versions of a message, oldest first: for an answer every answer to its user message, for a user message its edits (the user messages sharing its parent)',
        params: MessageParams,
        response: { 200: MessageVersions, ...errors },
      },
    },
    async (request) => {
      const principal = await requirePrincipal(deps, request);
      const { messages } = deps.repositories;
      const target = await messages.getMessage(principal.id, request.params.messageId);
      if (!target || target.chatId !== request.params.id) {
        throw new AppError('NOT_FOUND', { message: 'No such message in this chat.' });
      }
      const versions = await messages.listVersions(principal.id, target.id);
      return { versions: versions.map(toApiMessage) };
    },
  );
}
