import { type Static, Type } from 'typebox';
import type { ErrorCode } from './errors.ts';
import type { MessageStatus } from './events.ts';

/**
 * The control channel: socket.io namespace `/chats` (seeds 000 and 003) and the plain WebSocket `/ws`
 * (seed 002). Socket.io payloads are snake_case, as in seed 003. On `/chats` answer text never travels: it
 * streams over SSE, and the socket only says that an answer started or ended.
 *
 * Limits, on both surfaces: a message larger than the server's limit (64 KB by default) closes the
 * connection; a socket that sends faster than the rate limit gets RATE_LIMITED errors and its extra messages
 * are dropped; a payload that breaks its schema gets VALIDATION_FAILED. Only the size limit closes the socket.
 */

export const CONTROL_NAMESPACE = '/chats';
export const PLAIN_WS_PATH = '/ws';

export interface ControlChat {
  id: string;
  title: string;
  model: string;
  created_at: string;
  updated_at: string;
}

export interface ControlMessage {
  id: string;
  chat_id: string;
  role: 'user' | 'assistant';
  content: string;
  status: MessageStatus;
  model: string;
  parent_id: string | null;
  created_at: string;
}

/** What the handshake's `auth` carries: a user JWT, or an anonymous id (a UUID the client keeps). */
export interface ControlAuth {
  token?: string;
  anonId?: string;
}

/**
 * The `data` of a refused connection's `connect_error`: no credentials (UNAUTHENTICATED), or a bad or expired
 * token (INVALID_TOKEN, TOKEN_EXPIRED). socket.io puts it on the client's error as `error.data`.
 */
export type ConnectErrorData = ControlError;

const Page = Type.Integer({ minimum: 0, maximum: 1000, default: 0, description: 'Zero-based page number.' });
const Limit = Type.Integer({ minimum: 1, maximum: 100, default: 20 });

/** `list_chats`: the caller's chats, newest activity first. */
export const ListChatsRequest = Type.Object({ page: Type.Optional(Page), limit: Type.Optional(Limit) });
export type ListChatsRequest = Static<typeof ListChatsRequest>;

/** `list_messages`: a chat's conversation, oldest first, as `GET /api/chats/:id` reads it. */
export const ListMessagesRequest = Type.Object({
  chat_id: Type.String({ format: 'uuid' }),
  page: Type.Optional(Page),
  limit: Type.Optional(Limit),
});
export type ListMessagesRequest = Static<typeof ListMessagesRequest>;

export interface ChatsList {
  chats: ControlChat[];
  page: number;
  limit: number;
  has_more: boolean;
}

export interface MessagesList {
  chat_id: string;
  messages: ControlMessage[];
  page: number;
  limit: number;
  has_more: boolean;
}

/** Usage of the principal's current UTC day, pushed on connect and whenever an answer starts or ends. */
export interface UsageInfo {
  /** User messages sent today. */
  messages_today: number;
  input_tokens_today: number;
  output_tokens_today: number;
}

/** How many of the principal's devices or tabs are connected, on every instance; pushed to all of them as it changes. */
export interface Presence {
  connections: number;
}

/** A generation started; another tab can attach with `GET /api/streams/:stream_id?token=<token>`. */
export interface StreamStarted {
  chat_id: string;
  stream_id: string;
  message_id: string;
  model: string;
  token: string;
}

/** The "job finished" alert of seed 000: sent even when the tab that started the answer is gone. */
export interface StreamEnded {
  chat_id: string;
  stream_id: string;
  status: Exclude<MessageStatus, 'streaming'>;
  error_code: ErrorCode | null;
}

/** A coded error, in seed 003's `assistant_error` shape. */
export interface ControlError {
  code: ErrorCode;
  error: string;
  /** The client event that failed, when an event did. */
  event?: string;
}

export interface ServerToClientEvents {
  chats_list(payload: ChatsList): void;
  messages_list(payload: MessagesList): void;
  usage_info(payload: UsageInfo): void;
  presence(payload: Presence): void;
  stream_started(payload: StreamStarted): void;
  stream_ended(payload: StreamEnded): void;
  chat_created(payload: { chat: ControlChat }): void;
  chat_updated(payload: { chat: ControlChat }): void;
  chat_deleted(payload: { chat_id: string }): void;
  assistant_error(payload: ControlError): void;
}

export interface ClientToServerEvents {
  list_chats(payload?: ListChatsRequest): void;
  list_messages(payload: ListMessagesRequest): void;
}

/**
 * Plain WebSocket `/ws` (seed 002). Every frame is one JSON text message. The principal comes from
 * `?token=<JWT>` or `?anonId=<uuid>`; without either the server makes an anonymous id and announces it as
 * `anonId` in the welcome frame, so the client can keep it. Each connection's conversation is saved as one
 * chat of that principal, created by its first message.
 */
export const WsSendFrame = Type.Object({
  message: Type.String({ maxLength: 200_000 }),
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});
export type WsSendFrame = Static<typeof WsSendFrame>;

/** Stops the answer in progress; the server ends it with an `ai` frame of status `cancelled`. */
export interface WsCancelFrame {
  type: 'cancel';
}

export type WsClientFrame = WsSendFrame | WsCancelFrame;

export type WsServerFrame =
  /** The welcome on connect; `anonId` only when the server made the principal's id. */
  | { type: 'system'; message: string; anonId?: string }
  /** The echo of the user's message. */
  | { type: 'user'; message: string; chatId: string }
  | { type: 'typing'; message: string }
  /** One piece of the answer, in order. */
  | { type: 'delta'; message: string }
  /** The whole answer: the last frame of every answer that was not an error. */
  | {
      type: 'ai';
      message: string;
      chatId: string;
      messageId: string;
      status: Exclude<MessageStatus, 'streaming' | 'error' | 'interrupted'>;
    }
  /** Bad input, or an answer that failed (after any deltas it produced). The socket stays open. */
  | { type: 'error'; message: string; code: ErrorCode };
