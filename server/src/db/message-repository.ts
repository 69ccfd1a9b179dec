import { and, asc, desc, eq, gte, lt, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { errorCatalogue } from '../../../protocol/errors.ts';
import { AppError } from '../app-error.ts';
import { PROMPT_HEAD_CHARS, titleFrom } from './chat-title.ts';
import { type Db, prepareSql } from './client.ts';
import { createMessageTree } from './message-tree.ts';
import type { BeginAnswerInput, MessageRecord, MessageRepository } from './repository.ts';
import {
  chats,
  messages,
  ONE_STREAMING_ANSWER_PER_CHAT,
  UNIQUE_CLIENT_MESSAGE_ID,
  UNTITLED_CHAT_TITLE,
} from './schema.ts';
import { violatedUniqueConstraint } from './with-database-errors.ts';

// A literal, not a parameter, so the planner matches the partial indexes defined with this predicate.
const isStreaming = sql`${messages.status} = 'streaming'`;

/**
 * `lazyCommitDb` (see `Database`) writes the start of an answer. Lost in a database crash, it takes with it a
 * prompt whose answer was still streaming; waiting for the disk instead would add a flush to every first token.
 */
export function createMessageRepository(db: Db, lazyCommitDb: Db): MessageRepository {
  /** User messages matching `where`, in order, each with the newest answer that replies to it. */
  async function listWithNewestAnswer(where: SQL | undefined) {
    const answer = alias(messages, 'answer');
    const newest = db
      .select()
      .from(answer)
      .where(eq(answer.parentId, messages.id))
      .orderBy(desc(answer.createdAt), desc(answer.id))
      .limit(1)
      .as('newest');
    const rows = await db
      .select()
      .from(messages)
      .leftJoinLateral(newest, sql`true`)
      .where(and(eq(messages.role, 'user'), where))
      .orderBy(asc(messages.createdAt), asc(messages.id));
    return rows.map((row) => ({ user: row.messages, answer: row.newest ?? undefined }));
  }

  const beginAnswerStatement = prepareSql<
    BeginAnswerValues,
    {
      current: boolean;
      user_parent_ok: boolean;
      answer_parent_ok: boolean;
      title: string;
      first_prompt: string | null;
    }
  >(lazyCommitDb, 'begin_answer', beginAnswerSql);
  // Built once: these run on every message sent or opened, where building them would cost more than running them.
  // A message's chat, in created order, for its owner; chats are small enough to walk their tree in memory.
  const selectChatMessagesOf = db
    .select()
    .from(messages)
    .where(
      and(
        eq(
          messages.chatId,
          sql`(SELECT ${messages.chatId} FROM ${messages} WHERE ${messages.id} = ${sql.placeholder('messageId')})`,
        ),
        eq(messages.ownerId, sql.placeholder('ownerId')),
      ),
    )
    .orderBy(asc(messages.createdAt), asc(messages.id))
    .prepare('list_chat_messages_of');
  const updateFinishedAnswer = db
    .update(messages)
    .set({
      content: sql`${sql.placeholder('content')}`,
      status: sql`${sql.placeholder('status')}`,
      finishReason: sql`${sql.placeholder('finishReason')}`,
      inputTokens: sql`${sql.placeholder('inputTokens')}`,
      outputTokens: sql`${sql.placeholder('outputTokens')}`,
      errorCode: sql`${sql.placeholder('errorCode')}`,
      errorMessage: sql`${sql.placeholder('errorMessage')}`,
      cached: sql`${sql.placeholder('cached')}`,
      completedAt: sql`${sql.placeholder('now')}::timestamptz`,
    })
    .where(and(eq(messages.id, sql.placeholder('id')), isStreaming))
    .returning({ id: messages.id })
    .prepare('finish_answer');
  const selectMessage = db
    .select()
    .from(messages)
    .where(
      and(eq(messages.id, sql.placeholder('messageId')), eq(messages.ownerId, sql.placeholder('ownerId'))),
    )
    .prepare('get_message');

  return {
    async beginAnswer(input) {
      try {
        const rows = await beginAnswerStatement(beginAnswerValues(input));
        const [checked] = rows;
        if (!checked) {
          return 'chat_not_found';
        }
        if (!checked.current) {
          return 'stale_chat';
        }
        if (!checked.user_parent_ok) {
          throw new AppError('NOT_FOUND', { message: 'The answer to follow is not in this chat.' });
        }
        if (!checked.answer_parent_ok) {
          throw new AppError('NOTHING_TO_REGENERATE');
        }
        return {
          chatTitle: checked.first_prompt === null ? checked.title : titleFrom(checked.first_prompt),
        };
      } catch (error) {
        // The unique indexes decide races between instances; the statement has written nothing.
        const constraint = violatedUniqueConstraint(error);
        if (constraint === ONE_STREAMING_ANSWER_PER_CHAT) {
          return 'in_progress';
        }
        if (constraint === UNIQUE_CLIENT_MESSAGE_ID) {
          return 'duplicate_client_message';
        }
        throw error;
      }
    },

    async finishAnswer({ now, ...input }) {
      const updated = await updateFinishedAnswer.execute({ ...input, now: now.toISOString() });
      return updated.length > 0;
    },

    async getMessage(ownerId, messageId) {
      const [message] = await selectMessage.execute({ ownerId, messageId });
      return message;
    },

    async findByClientMessageId(ownerId, chatId, clientMessageId) {
      const [found] = await listWithNewestAnswer(
        and(
          eq(messages.chatId, chatId),
          eq(messages.ownerId, ownerId),
          eq(messages.clientMessageId, clientMessageId),
        ),
      );
      return found;
    },

    async listVersions(ownerId, messageId) {
      return createMessageTree(await selectChatMessagesOf.execute({ ownerId, messageId })).versionsOf(
        messageId,
      );
    },

    async listStreaming(ownerId) {
      return db
        .select()
        .from(messages)
        .where(and(eq(messages.ownerId, ownerId), isStreaming))
        .orderBy(desc(messages.createdAt), desc(messages.id));
    },

    async getUsageSince(ownerId, since) {
      const [usage] = await db
        .select({
          messages: sql`count(*) FILTER (WHERE ${messages.role} = 'user')`.mapWith(Number),
          inputTokens: sql`coalesce(sum(${messages.inputTokens}), 0)`.mapWith(Number),
          outputTokens: sql`coalesce(sum(${messages.outputTokens}), 0)`.mapWith(Number),
        })
        .from(messages)
        .where(and(eq(messages.ownerId, ownerId), gte(messages.createdAt, since)));
      return usage ?? { messages: 0, inputTokens: 0, outputTokens: 0 };
    },

    async listStreamingBefore(before, limit) {
      return db
        .select()
        .from(messages)
        .where(and(isStreaming, lt(messages.createdAt, before)))
        .orderBy(asc(messages.createdAt), asc(messages.id))
        .limit(limit);
    },

    async interruptStreaming(now) {
      const interrupted = await db
        .update(messages)
        .set({
          status: 'interrupted',
          finishReason: 'error',
          errorCode: 'GENERATION_INTERRUPTED',
          errorMessage: errorCatalogue.GENERATION_INTERRUPTED.message,
          completedAt: now,
        })
        .where(isStreaming)
        .returning({ id: messages.id });
      return interrupted.length;
    },
  };
}

const value = (name: keyof BeginAnswerValues, type: string) =>
  sql`${sql.placeholder(name)}::${sql.raw(type)}`;

/** A message of `role`, by its id, in the chat selected as `chat`: its foreign key checks only that it exists. */
const holds = (id: SQL, role: MessageRecord['role']) => sql`EXISTS (
  SELECT 1 FROM ${messages} WHERE ${messages.id} = ${id} AND ${messages.chatId} = ${chats.id}
    AND ${messages.ownerId} = ${value('ownerId', 'text')} AND ${messages.role} = ${role}
)`;

/**
 * The start of an answer as one statement, so it costs one round trip and one commit: the user message (unless
 * regenerating: no `userId`) and the streaming answer, inserted only when the chat is the owner's, holds as many
 * messages as the caller read (when it says how many), and both parents are where they must be. It answers with
 * those checks and the chat's title as lists will show it, or with no row when there is no such chat. Foreign
 * keys are checked at the end of the statement, so the answer may reply to the user message inserted beside it.
 * An answer in the owner's hidden chat may stream beside others there. One text for every case, so it is
 * prepared once per connection.
 */
const beginAnswerSql = sql`WITH chat AS (
    SELECT ${chats.id} AS id, ${chats.hidden} AS hidden, ${chats.title} AS title,
      CASE WHEN ${chats.title} = ${UNTITLED_CHAT_TITLE} THEN coalesce((
        SELECT left(${messages.content}, ${sql.raw(String(PROMPT_HEAD_CHARS))}) FROM ${messages}
        WHERE ${messages.chatId} = ${chats.id} AND ${messages.role} = 'user'
        ORDER BY ${messages.createdAt}, ${messages.id} LIMIT 1
      ), ${value('userContent', 'text')}) END AS first_prompt,
      (${value('messageCount', 'int')} IS NULL OR ${value('messageCount', 'int')} = (
        SELECT count(*) FROM ${messages} WHERE ${messages.chatId} = ${chats.id}
      )) AS current,
      (${value('userParentId', 'uuid')} IS NULL OR ${holds(value('userParentId', 'uuid'), 'assistant')}) AS user_parent_ok,
      (${value('answerParentId', 'uuid')} = ${value('userId', 'uuid')} OR ${holds(value('answerParentId', 'uuid'), 'user')})
        IS TRUE AS answer_parent_ok
    FROM ${chats} WHERE ${chats.id} = ${value('chatId', 'uuid')} AND ${chats.ownerId} = ${value('ownerId', 'text')}
  ), user_message AS (
    INSERT INTO ${messages} (id, chat_id, owner_id, role, content, status, model, parent_id, client_message_id,
      created_at, completed_at)
    SELECT ${value('userId', 'uuid')}, chat.id, ${value('ownerId', 'text')}, 'user', ${value('userContent', 'text')},
      'complete', ${value('model', 'text')}, ${value('userParentId', 'uuid')}, ${value('clientMessageId', 'text')},
      ${value('now', 'timestamptz')}, ${value('now', 'timestamptz')}
    FROM chat WHERE ${value('userId', 'uuid')} IS NOT NULL AND chat.current AND chat.user_parent_ok
      AND chat.answer_parent_ok
    RETURNING id
  ), answer AS (
    INSERT INTO ${messages} (id, chat_id, owner_id, role, content, status, model, parent_id, cached, concurrent,
      created_at)
    SELECT ${value('answerId', 'uuid')}, chat.id, ${value('ownerId', 'text')}, 'assistant', '', 'streaming',
      ${value('model', 'text')}, ${value('answerParentId', 'uuid')}, false, chat.hidden,
      ${value('now', 'timestamptz')}
    FROM chat WHERE chat.current AND chat.user_parent_ok AND chat.answer_parent_ok
    RETURNING id
  )
  SELECT current, user_parent_ok, answer_parent_ok, title, first_prompt FROM chat`;

interface BeginAnswerValues {
  ownerId: string;
  chatId: string;
  messageCount: number | null;
  userId: string | null;
  userContent: string | null;
  userParentId: string | null;
  clientMessageId: string | null;
  answerId: string;
  answerParentId: string;
  model: string;
  now: string;
}

function beginAnswerValues({
  ownerId,
  chatId,
  messageCount,
  userMessage,
  answer,
  now,
}: BeginAnswerInput): BeginAnswerValues {
  return {
    ownerId,
    chatId,
    messageCount: messageCount ?? null,
    userId: userMessage?.id ?? null,
    userContent: userMessage?.content ?? null,
    userParentId: userMessage?.parentId ?? null,
    clientMessageId: userMessage?.clientMessageId ?? null,
    answerId: answer.id,
    answerParentId: answer.parentId,
    model: answer.model,
    now: now.toISOString(),
  };
}
