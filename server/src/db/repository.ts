import type { FinishReason, MessageStatus } from '../../../protocol/events.ts';

export interface ChatRecord {
  id: string;
  ownerId: string;
  title: string;
  model: string;
  /** True for the owner's chat of OpenAI-compatible requests made without a chat id: it is never listed. */
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
  /**
   * For an answer, the user message it replies to. For a user message, the answer it follows; null for the
   * first message of a chat. Messages sharing a parent and a role are versions of each other.
   */
  parentId: string | null;
  clientMessageId: string | null;
  finishReason: FinishReason | null;
  inputTokens: number | null;
  outputTokens: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  cached: boolean;
  /** An answer that may stream beside others in its chat (the OpenAI-compatible surface's). */
  concurrent: boolean;
  createdAt: Date;
  completedAt: Date | null;
}

/** A message with its place among its versions (the messages sharing its parent and role). */
export interface VersionedMessage extends MessageRecord {
  versionCount: number;
  /** 1-based, in created order. */
  versionIndex: number;
}

/** A chat read whole: the chat, all its messages in created order (createdAt, then id), and their thread. */
export interface ChatRead {
  chat: ChatRecord;
  messages: MessageRecord[];
  /**
   * The conversation as it reads now: the newest first message, then at each step the newest reply to the
   * message before (the newest answer to a user message, the newest user message following an answer).
   */
  thread: VersionedMessage[];
}

/** Position in the newest-first chat list, for cursor pagination. */
export interface ChatCursor {
  updatedAt: Date;
  id: string;
}

export interface BeginAnswerInput {
  ownerId: string;
  chatId: string;
  /**
   * The new user message; absent when regenerating an answer to an existing one. `parentId` is the answer it
   * follows: null for a chat's first message, or an earlier answer's id when the message is an edit.
   */
  userMessage?: { id: string; content: string; clientMessageId: string | null; parentId: string | null };
  /** Not yet `cached`: the response cache is asked while this is written, so the finish records what it said. */
  answer: { id: string; model: string; parentId: string };
  /**
   * How many messages the chat held when the caller read it; when it now holds another number, nothing is
   * written and the answer is `stale_chat`. Messages are only ever added, and a final one never changes, so a
   * read of a chat with no streaming answer stays exact while this number holds.
   */
  messageCount?: number;
  now: Date;
}

/** On success, the chat's title as lists show it once this answer is in. */
export type BeginAnswerResult =
  | { chatTitle: string }
  | 'chat_not_found'
  | 'stale_chat'
  | 'in_progress'
  | 'duplicate_client_message';

export interface FinishAnswerInput {
  id: string;
  content: string;
  status: Exclude<MessageStatus, 'streaming'>;
  finishReason: FinishReason;
  inputTokens: number | null;
  outputTokens: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** The answer was served from the response cache. */
  cached: boolean;
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
  /** The chat, its messages and their thread, in one read. */
  getChatWithMessages(ownerId: string, chatId: string): Promise<ChatRead | undefined>;
  /** The owner's hidden chat (see `ChatRecord.hidden`), made the first time it is asked for. */
  ensureHiddenChat(ownerId: string, model: string, now: Date): Promise<ChatRecord>;
  /** Newest activity first, hidden chats left out; the page after `cursor` when given. */
  listChats(ownerId: string, page: { limit: number; cursor?: ChatCursor }): Promise<ChatRecord[]>;
  renameChat(ownerId: string, chatId: string, title: string, now: Date): Promise<ChatRecord | undefined>;
  /**
   * Deletes the chat and its messages; undefined when there was no such chat, else the ids of the answers
   * deleted with it (whose streams the stream log may still hold).
   */
  deleteChat(ownerId: string, chatId: string): Promise<{ answerIds: string[] } | undefined>;
}

export interface MessageRepository {
  /**
   * One statement: inserts the user message (unless regenerating) and the assistant message with status
   * `streaming`. The chat is not written: its activity, model and title follow from its messages. At most one
   * answer per chat streams at a time, except in the owner's hidden chat, whose answers are `concurrent`.
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
  /**
   * The versions of one message, itself included, oldest first: for an answer every answer to its user
   * message, for a user message every user message with its parent (its edits). Empty when there is no such message.
   */
  listVersions(ownerId: string, messageId: string): Promise<VersionedMessage[]>;
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
