import { and, asc, desc, eq, gte, lt, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { errorCatalogue } from '../../../protocol/errors.ts';
import { AppError } from '../app-error.ts';
import type { Db } from './client.ts';
import { createMessageTree } from './message-tree.ts';
import type { BeginAnswerInput, BeginAnswerResult, MessageRecord, MessageRepository } from './repository.ts';
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

export function createMessageRepository(db: Db): MessageRepository {
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

  /** One chat's messages in created order; chats are small enough to walk their tree in memory. */
  function listChatMessages(ownerId: string, chatId: SQL | string) {
    return db
      .select()
      .from(messages)
      .where(and(eq(messages.chatId, chatId), eq(messages.ownerId, ownerId)))
      .orderBy(asc(messages.createdAt), asc(messages.id));
  }

  return {
    async beginAnswer(input) {
      try {
        return await db.transaction((tx) => insertAnswer(tx, input));
      } catch (error) {
        // The unique indexes decide races between instances; the transaction has rolled back everything.
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

    async finishAnswer(input) {
      const updated = await db
        .update(messages)
        .set({
          content: input.content,
          status: input.status,
          finishReason: input.finishReason,
          inputTokens: input.inputTokens,
          outputTokens: input.outputTokens,
          errorCode: input.errorCode,
          errorMessage: input.errorMessage,
          completedAt: input.now,
        })
        .where(and(eq(messages.id, input.id), isStreaming))
        .returning({ id: messages.id });
      return updated.length > 0;
    },

    async getMessage(ownerId, messageId) {
      const [message] = await db
        .select()
        .from(messages)
        .where(and(eq(messages.id, messageId), eq(messages.ownerId, ownerId)));
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

    async listThread(ownerId, chatId) {
      return createMessageTree(await listChatMessages(ownerId, chatId)).thread();
    },

    async listVersions(ownerId, messageId) {
      const chatOfMessage = sql`(SELECT ${messages.chatId} FROM ${messages} WHERE ${messages.id} = ${messageId})`;
      return createMessageTree(await listChatMessages(ownerId, chatOfMessage)).versionsOf(messageId);
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
        // Every message is inserted with a touch of its chat (insertAnswer), so only chats updated since `since`
        // can hold one: both steps then use an index (owner, updated_at), then (chat_id, created_at).
        .innerJoin(chats, eq(chats.id, messages.chatId))
        .where(and(eq(chats.ownerId, ownerId), gte(chats.updatedAt, since), gte(messages.createdAt, since)));
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

type Transaction = Parameters<Parameters<Db['transaction']>[0]>[0];

async function insertAnswer(tx: Transaction, input: BeginAnswerInput): Promise<BeginAnswerResult> {
  const { ownerId, chatId, userMessage, answer, titleIfUntitled, now } = input;
  // Touching the chat first checks that it exists and is the owner's, and locks its row, so concurrent
  // answers to one chat queue here and the loser meets the unique index on a committed winner.
  const touched = await tx
    .update(chats)
    .set({
      updatedAt: now,
      model: answer.model,
      ...(titleIfUntitled !== undefined && {
        title: sql`CASE WHEN ${chats.title} = ${UNTITLED_CHAT_TITLE} THEN ${titleIfUntitled} ELSE ${chats.title} END`,
      }),
    })
    .where(and(eq(chats.id, chatId), eq(chats.ownerId, ownerId)))
    .returning({ id: chats.id });
  if (touched.length === 0) {
    return 'chat_not_found';
  }
  if (userMessage?.parentId && !(await holdsMessage(tx, input, userMessage.parentId, 'assistant'))) {
    throw new AppError('NOT_FOUND', { message: 'The answer to follow is not in this chat.' });
  }
  if (userMessage) {
    await tx.insert(messages).values({
      id: userMessage.id,
      chatId,
      ownerId,
      role: 'user',
      content: userMessage.content,
      status: 'complete',
      model: answer.model,
      parentId: userMessage.parentId,
      clientMessageId: userMessage.clientMessageId,
      createdAt: now,
      completedAt: now,
    });
  }
  if (userMessage?.id !== answer.parentId && !(await holdsMessage(tx, input, answer.parentId, 'user'))) {
    throw new AppError('NOTHING_TO_REGENERATE');
  }
  await tx.insert(messages).values({
    id: answer.id,
    chatId,
    ownerId,
    role: 'assistant',
    content: '',
    status: 'streaming',
    model: answer.model,
    parentId: answer.parentId,
    cached: answer.cached,
    createdAt: now,
  });
  return 'ok';
}

/** Whether `messageId` is a message of `role` in the input's chat: the foreign key checks only that it exists. */
async function holdsMessage(
  tx: Transaction,
  { ownerId, chatId }: BeginAnswerInput,
  messageId: string,
  role: MessageRecord['role'],
): Promise<boolean> {
  const [found] = await tx
    .select({ id: messages.id })
    .from(messages)
    .where(
      and(
        eq(messages.id, messageId),
        eq(messages.chatId, chatId),
        eq(messages.ownerId, ownerId),
        eq(messages.role, role),
      ),
    );
  return found !== undefined;
}
