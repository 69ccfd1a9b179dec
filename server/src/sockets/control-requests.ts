import { ListChatsRequest, ListMessagesRequest } from '../../../protocol/control.ts';
import { AppError } from '../app-error.ts';
import { toControlChat, toControlMessage } from '../dialects/control-payloads.ts';
import type { MessageRateLimit } from './message-rate-limit.ts';
import { createPayloadValidator } from './payload-validator.ts';
import type { ControlSocket, SocketDeps } from './socket-deps.ts';
import { toClientError, toControlError } from './socket-errors.ts';

const validateListChats = createPayloadValidator(ListChatsRequest, 'list_chats');
const validateListMessages = createPayloadValidator(ListMessagesRequest, 'list_messages');

// Pages are offsets, so a deep page reads every row before it; deeper than this, the REST API's cursors are
// the way.
const MAX_OFFSET = 10_000;

/** Answers the socket's requests, each validated, rate limited and owner-checked; failures become `assistant_error`. */
export function registerControlRequests(
  socket: ControlSocket,
  deps: SocketDeps,
  rateLimit: MessageRateLimit,
): void {
  const { chats } = deps.repositories;
  const { principalId } = socket.data;

  const handlers = {
    async list_chats(payload: unknown) {
      const { page = 0, limit = 20 } = validateListChats(payload ?? {});
      const offset = checkedOffset(page, limit);
      // One extra row tells whether another page exists without a count query.
      const rows = await chats.listChats(principalId, { limit: offset + limit + 1 });
      socket.emit('chats_list', {
        chats: rows.slice(offset, offset + limit).map(toControlChat),
        page,
        limit,
        has_more: rows.length > offset + limit,
      });
    },

    async list_messages(payload: unknown) {
      const { chat_id, page = 0, limit = 20 } = validateListMessages(payload);
      const offset = checkedOffset(page, limit);
      const found = await chats.getChatWithMessages(principalId, chat_id);
      if (!found) {
        throw new AppError('NOT_FOUND', { message: 'No such chat.' });
      }
      const { chat, thread } = found;
      socket.emit('messages_list', {
        chat_id: chat.id,
        messages: thread.slice(offset, offset + limit).map(toControlMessage),
        page,
        limit,
        has_more: thread.length > offset + limit,
      });
    },
  };

  function fail(error: unknown, event: string): void {
    socket.emit(
      'assistant_error',
      toControlError(toClientError(error, deps.logger, 'socket request failed'), event),
    );
  }

  // Every incoming packet counts against the budget, known event or not; a packet over it is dropped.
  socket.use(([event], next) => {
    rateLimit(socket.id).then(
      (allowed) => {
        if (!allowed) {
          fail(new AppError('RATE_LIMITED'), event);
        } else if (!Object.hasOwn(handlers, event)) {
          fail(new AppError('VALIDATION_FAILED', { message: `No event "${event}".` }), event);
        } else {
          next();
        }
      },
      (error: unknown) => fail(error, event),
    );
  });
  function run(event: keyof typeof handlers, payload: unknown): void {
    handlers[event](payload).catch((error: unknown) => fail(error, event));
  }
  socket.on('list_chats', (payload) => run('list_chats', payload));
  socket.on('list_messages', (payload) => run('list_messages', payload));
}

function checkedOffset(page: number, limit: number): number {
  const offset = page * limit;
  if (offset > MAX_OFFSET) {
    throw new AppError('VALIDATION_FAILED', {
      message: `page * limit may be at most ${MAX_OFFSET}; the REST API pages further with cursors.`,
      field: 'page',
    });
  }
  return offset;
}
