import type { FinishReason, MessageStatus } from '../../../protocol/events.ts';

export interface ChatRecord {
  id: string;
  ownerId: string;
  title: string;
  model: string;
  /** True for a chat made for one OpenAI-compatible request: it is never listed. */
  hidden: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface MessageRecord {
  id: string;
  chatId: string;
  ownerId: string;
  role: 'user' | 'assistant';
  content: string;
  status: MessageStatus;
  model: string;
  /** For an answer, the user message it replies to; null for user messages. */
  parentId: string | null;
  clientMessageId: string | null;
  finishReason: FinishReason | null;
  inputTokens: number | null;
  outputTokens: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  cached: boolean;
  createdAt: Date;
  completedAt: Date | null;
}

/** Position in the newest-first chat list, for cursor pagination. */
export interface ChatCursor {
  updatedAt: Date;
  id: string;
}

export interface BeginAnswerInput {
  ownerId: string;
  chatId: string;
  /** The new user message; absent when regenerating an answer to an existing one. */
  userMessage?: { id: string; content: string; clientMessageId: string | null };
  answer: { id: string; model: string; parentId: string; cached: boolean };
  /** Set as the chat's title when the chat still has its placeholder title. */
  titleIfUntitled?: string;
  now: Date;
}

export type BeginAnswerResult = 'ok' | 'chat_not_found' | 'in_progress' | 'duplicate_client_message';

export interface FinishAnswerInput {
  id: string;
  content: string;
  status: Exclude<MessageStatus, 'streaming'>;
  finishReason: FinishReason;
  inputTokens: number | null;
  outputTokens: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  now: Date;
}

/** Every read and write is scoped by owner: another principal's rows are invisible, never forbidden. */
export interface ChatRepository {
  createChat(input: {
    id: string;
    ownerId: string;
    title: string;
    model: string;
    hidden?: boolean;
    now: Date;
  }): Promise<ChatRecord>;
  getChat(ownerId: string, chatId: string): Promise<ChatRecord | undefined>;
  /** Newest activity first, hidden chats left out; the page after `cursor` when given. */
  listChats(ownerId: string, page: { limit: number; cursor?: ChatCursor }): Promise<ChatRecord[]>;
  renameChat(ownerId: string, chatId: string, title: string, now: Date): Promise<ChatRecord | undefined>;
  /** Deletes the chat and its messages; false when there was no such chat. */
  deleteChat(ownerId: string, chatId: string): Promise<boolean>;
}

export interface MessageRepository {
  /**
   * One transaction: inserts the user message (unless regenerating) and the assistant message with status
   * `streaming`, and touches the chat (updatedAt, model, title). At most one answer per chat streams at a time.
   */
  beginAnswer(input: BeginAnswerInput): Promise<BeginAnswerResult>;
  /** One write: saves the final answer. Only a `streaming` answer is updated; returns whether it was. */
  finishAnswer(input: FinishAnswerInput): Promise<boolean>;
  getMessage(ownerId: string, messageId: string): Promise<MessageRecord | undefined>;
  /** The user message sent with `clientMessageId` in that chat, and its newest answer. */
  findByClientMessageId(
    ownerId: string,
    chatId: string,
    clientMessageId: string,
  ): Promise<{ user: MessageRecord; answer: MessageRecord | undefined } | undefined>;
  /** The conversation in order: each user message followed by the newest version of its answer. */
  listThread(ownerId: string, chatId: string): Promise<MessageRecord[]>;
  /** Every answer to one user message, oldest first. */
  listVersions(ownerId: string, userMessageId: string): Promise<MessageRecord[]>;
  /** The owner's answers that are still streaming, newest first. */
  listStreaming(ownerId: string): Promise<MessageRecord[]>;
  /**
   * Answers of every owner still streaming that started before `before`, oldest first: the candidates for
   * takeover when their instance has died.
   */
  listStreamingBefore(before: Date, limit: number): Promise<MessageRecord[]>;
  /**
   * Marks every answer still streaming as `interrupted`, keeping its text; returns how many. Only safe where
   * no other process can be generating: the embedded database at start.
   */
  interruptStreaming(now: Date): Promise<number>;
  /** What the owner used from `since` on: user messages sent, and the tokens of answers begun in that time. */
  getUsageSince(ownerId: string, since: Date): Promise<UsageTotals>;
}

export interface UsageTotals {
  messages: number;
  inputTokens: number;
  outputTokens: number;
}

export interface ApiKeyRecord {
  id: string;
  ownerId: string;
  name: string;
  prefix: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface ApiKeyRepository {
  createKey(input: {
    id: string;
    ownerId: string;
    name: string;
    prefix: string;
    keyHash: string;
    now: Date;
  }): Promise<ApiKeyRecord>;
  /** The owner's keys, newest first, revoked ones included. */
  listKeys(ownerId: string): Promise<ApiKeyRecord[]>;
  /** False when the owner has no such key, or it was already revoked. */
  revokeKey(ownerId: string, keyId: string, now: Date): Promise<boolean>;
  /** The key with this hash, unless revoked. */
  findActiveKey(keyHash: string): Promise<ApiKeyRecord | undefined>;
}

export interface Repositories {
  chats: ChatRepository;
  messages: MessageRepository;
  apiKeys: ApiKeyRepository;
  /** Throws when the database cannot answer; used by /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
