import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  boolean,
  check,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { FinishReason, MessageStatus } from '../../../protocol/events.ts';

/** The title a chat is stored with until a person names it; until then it reads as its first prompt. */
export const UNTITLED_CHAT_TITLE = 'New chat';

/** Unique indexes whose violations mean something to the caller, matched by name in the repositories. */
export const ONE_STREAMING_ANSWER_PER_CHAT = 'messages_one_streaming_per_chat';
export const UNIQUE_CLIENT_MESSAGE_ID = 'messages_chat_client_message_id_unique';

// Timestamps are always written from the injected clock, never by the database, so that a value read back
// equals the Date that was written (the chat list cursor depends on it).
const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const chats = pgTable(
  'chats',
  {
    id: uuid('id').primaryKey(),
    ownerId: text('owner_id').notNull(),
    title: text('title').notNull(),
    /** The model the chat was created with; once it has messages, it reads as its newest message's model. */
    model: text('model').notNull(),
    /**
     * Each owner's one chat for OpenAI-compatible requests made without a chat id: it keeps their usage and
     * history but stays out of chat lists.
     */
    hidden: boolean('hidden').notNull().default(false),
    createdAt: timestamptz('created_at').notNull(),
    /**
     * When the row itself last changed (created, renamed). A chat's activity is the later of this and its newest
     * message, read rather than written, so that an answer never has to touch its chat.
     */
    updatedAt: timestamptz('updated_at').notNull(),
  },
  (table) => [
    index('chats_owner_updated_idx').on(
      table.ownerId,
      table.updatedAt.desc().nullsFirst(),
      table.id.desc().nullsFirst(),
    ),
  ],
);

export const messages = pgTable(
  'messages',
  {
    id: uuid('id').primaryKey(),
    chatId: uuid('chat_id')
      .notNull()
      .references(() => chats.id, { onDelete: 'cascade' }),
    ownerId: text('owner_id').notNull(),
    role: text('role').$type<'user' | 'assistant'>().notNull(),
    content: text('content').notNull(),
    status: text('status').$type<MessageStatus>().notNull(),
    model: text('model').notNull(),
    parentId: uuid('parent_id').references((): AnyPgColumn => messages.id, { onDelete: 'cascade' }),
    clientMessageId: text('client_message_id'),
    finishReason: text('finish_reason').$type<FinishReason>(),
    inputTokens: integer('input_tokens'),
    outputTokens: integer('output_tokens'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    cached: boolean('cached').notNull().default(false),
    /**
     * An answer that may stream beside others in its chat: the OpenAI-compatible surface's requests, which share
     * their owner's hidden chat and which clients send in parallel. Answers in a visible chat queue, one at a time.
     */
    concurrent: boolean('concurrent').notNull().default(false),
    createdAt: timestamptz('created_at').notNull(),
    completedAt: timestamptz('completed_at'),
  },
  (table) => [
    index('messages_chat_created_idx').on(table.chatId, table.createdAt),
    index('messages_parent_created_idx').on(table.parentId, table.createdAt),
    // Usage since a time; also what makes a chat's activity cheap to derive instead of writing it per answer.
    index('messages_owner_created_idx').on(table.ownerId, table.createdAt),
    index('messages_owner_streaming_idx').on(table.ownerId).where(sql`status = 'streaming'`),
    uniqueIndex(ONE_STREAMING_ANSWER_PER_CHAT)
      .on(table.chatId)
      .where(sql`status = 'streaming' AND NOT concurrent`),
    uniqueIndex(UNIQUE_CLIENT_MESSAGE_ID)
      .on(table.chatId, table.clientMessageId)
      .where(sql`client_message_id IS NOT NULL`),
    check('messages_role_check', sql`role IN ('user', 'assistant')`),
    check(
      'messages_status_check',
      sql`status IN ('streaming', 'complete', 'cancelled', 'error', 'interrupted')`,
    ),
    // An answer always replies to a user message; a user message follows the answer before it, or opens the chat.
    check('messages_answer_parent_check', sql`role = 'user' OR parent_id IS NOT NULL`),
  ],
);

/** API keys for the OpenAI-compatible surface. Only a SHA-256 of the key is kept; the key is shown once. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey(),
    ownerId: text('owner_id').notNull(),
    name: text('name').notNull(),
    /** The key's first characters, so a person can tell their keys apart. */
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull(),
    createdAt: timestamptz('created_at').notNull(),
    revokedAt: timestamptz('revoked_at'),
  },
  (table) => [
    uniqueIndex('api_keys_key_hash_unique').on(table.keyHash),
    index('api_keys_owner_created_idx').on(table.ownerId, table.createdAt),
  ],
);
