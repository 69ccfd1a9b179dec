import type { ErrorCode } from './errors.ts';
import type { MessageStatus } from './events.ts';

/**
 * The control channel: socket.io namespace `/chats` (seeds 000 and 003). Payloads are snake_case, as in
 * seed 003. Answer text never travels here; it streams over SSE.
 */

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

/** What the handshake's `auth` carries: a user JWT, or an anonymous id. */
export interface ControlAuth {
  token?: string;
  anonId?: string;
}

export interface ListChatsRequest {
  page?: number;
  limit?: number;
}

export interface ListMessagesRequest {
  chat_id: string;
  page?: number;
  limit?: number;
}

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

/** Usage of the principal's current UTC day. Credits join it with the accounts work. */
export interface UsageInfo {
  messages_today: number;
  input_tokens_today: number;
  output_tokens_today: number;
}

/** How many of the principal's devices or tabs are connected, pushed to all of them as it changes. */
export interface Presence {
  connections: number;
}

/** A generation started; another tab can attach over SSE with `token`. */
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
  list_chats(payload: ListChatsRequest): void;
  list_messages(payload: ListMessagesRequest): void;
}
