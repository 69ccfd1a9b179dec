import { createHash } from 'node:crypto';
import { and, asc, desc, eq, type SQL, sql } from 'drizzle-orm';
import { PROMPT_HEAD_CHARS, titleFrom } from './chat-title.ts';
import { type Db, prepareSql } from './client.ts';
import { createMessageTree } from './message-tree.ts';
import type { ChatRecord, ChatRepository, MessageRecord } from './repository.ts';
import { chats, messages, UNTITLED_CHAT_TITLE } from './schema.ts';

const HIDDEN_CHAT_TITLE = 'OpenAI-compatible requests';

/** One id per owner, the same on every instance, so finding the hidden chat needs no lookup and no lock. */
function hiddenChatIdOf(ownerId: string): string {
  const hex = createHash('sha256').update(`parley:hidden-chat:${ownerId}`).digest('hex');
  // Shaped as an RFC 9562 version 8 (custom) UUID.
  const variant = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Chats as people see them. An answer writes only its messages, so what it changes about its chat is read here:
 * its activity (the newest message), its model (the newest message's), and, until a person names it, its title
 * (its first prompt). Each is one step down the (chat_id, created_at) index.
 */
function chatView(db: Db, where: SQL | undefined) {
  const newest = db
    .select({ createdAt: messages.createdAt, model: messages.model })
    .from(messages)
    .where(eq(messages.chatId, chats.id))
    .orderBy(desc(messages.createdAt))
    .limit(1)
    .as('newest');
  const firstPrompt = sql<string | null>`CASE WHEN ${chats.title} = ${UNTITLED_CHAT_TITLE} THEN (
    SELECT left(${messages.content}, ${PROMPT_HEAD_CHARS}) FROM ${messages}
    WHERE ${messages.chatId} = ${chats.id} AND ${messages.role} = 'user'
    ORDER BY ${messages.createdAt}, ${messages.id} LIMIT 1
  ) END`;
  return db
    .select({
      id: chats.id,
      ownerId: chats.ownerId,
      title: chats.title,
      firstPrompt: firstPrompt.as('first_prompt'),
      // Not `model`: beside the messages' own column, the name would be ambiguous (getChatWithMessages).
      model: sql<string>`coalesce(${newest.model}, ${chats.model})`.as('chat_model'),
      hidden: chats.hidden,
      createdAt: chats.createdAt,
      // greatest() skips NULL: a chat without messages is as recent as its row.
      updatedAt: sql`greatest(${chats.updatedAt}, ${newest.createdAt})`
        .mapWith(chats.updatedAt)
        .as('updated_at'),
    })
    .from(chats)
    .leftJoinLateral(newest, sql`true`)
    .where(where)
    .as('chat_view');
}

function toChatRecord({ firstPrompt, ...row }: ChatRecord & { firstPrompt: string | null }): ChatRecord {
  return firstPrompt === null ? row : { ...row, title: titleFrom(firstPrompt) };
}

export function createChatRepository(db: Db): ChatRepository {
  const owned = (ownerId: string, chatId: string) => and(eq(chats.id, chatId), eq(chats.ownerId, ownerId));

  // The answers are read from the snapshot the delete starts from: the cascade removes them as it ends. One row
  // with no answer for a chat that had none, and no row for no chat.
  const deleteChatStatement = prepareSql<{ ownerId: string; chatId: string }, { answer_id: string | null }>(
    db,
    'delete_chat',
    sql`WITH deleted AS (
      DELETE FROM ${chats}
      WHERE ${chats.id} = ${sql.placeholder('chatId')} AND ${chats.ownerId} = ${sql.placeholder('ownerId')}
      RETURNING ${chats.id}
    )
    SELECT ${messages.id} AS answer_id FROM deleted
    LEFT JOIN ${messages} ON ${messages.chatId} = deleted.id AND ${messages.role} = 'assistant'`,
  );

  // Built once: on the path of every message sent, where building the query would cost more than running it.
  const selectChat = db
    .select()
    .from(
      chatView(
        db,
        and(eq(chats.id, sql.placeholder('chatId')), eq(chats.ownerId, sql.placeholder('ownerId'))),
      ),
    )
    .prepare('get_chat');

  async function getChat(ownerId: string, chatId: string): Promise<ChatRecord | undefined> {
    const [row] = await selectChat.execute({ ownerId, chatId });
    return row && toChatRecord(row);
  }

  // The chat's columns repeat on the row of each of its messages (one row without a message for an empty chat),
  // so sending a message waits on one round trip instead of two.
  const chatOnly = chatView(
    db,
    and(eq(chats.id, sql.placeholder('chatId')), eq(chats.ownerId, sql.placeholder('ownerId'))),
  );
  const selectChatWithMessages = db
    .select({
      id: chatOnly.id,
      ownerId: chatOnly.ownerId,
      title: chatOnly.title,
      firstPrompt: chatOnly.firstPrompt,
      model: chatOnly.model,
      hidden: chatOnly.hidden,
      createdAt: chatOnly.createdAt,
      updatedAt: chatOnly.updatedAt,
      message: messages,
    })
    .from(chatOnly)
    .leftJoin(messages, and(eq(messages.chatId, chatOnly.id), eq(messages.ownerId, chatOnly.ownerId)))
    .orderBy(asc(messages.createdAt), asc(messages.id))
    .prepare('get_chat_with_messages');

  return {
    async createChat({ id, ownerId, title, model, hidden = false, now }) {
      const chat: ChatRecord = { id, ownerId, title, model, hidden, createdAt: now, updatedAt: now };
      await db.insert(chats).values(chat);
      return chat;
    },

    getChat,

    async getChatWithMessages(ownerId, chatId) {
      const rows = await selectChatWithMessages.execute({ ownerId, chatId });
      const [first] = rows;
      if (!first) {
        return undefined;
      }
      const { message: _message, ...chat } = first;
      const chatMessages: MessageRecord[] = [];
      for (const row of rows) {
        if (row.message) {
          chatMessages.push(row.message);
        }
      }
      return {
        chat: toChatRecord(chat),
        messages: chatMessages,
        thread: createMessageTree(chatMessages).thread(),
      };
    },

    async ensureHiddenChat(ownerId, model, now) {
      const id = hiddenChatIdOf(ownerId);
      const chat: ChatRecord = {
        id,
        ownerId,
        title: HIDDEN_CHAT_TITLE,
        model,
        hidden: true,
        createdAt: now,
        updatedAt: now,
      };
      const inserted = await db
        .insert(chats)
        .values(chat)
        .onConflictDoNothing({ target: chats.id })
        .returning({ id: chats.id });
      return inserted.length > 0 ? chat : ((await getChat(ownerId, id)) ?? chat);
    },

    async listChats(ownerId, { limit, cursor }) {
      const view = chatView(db, and(eq(chats.ownerId, ownerId), eq(chats.hidden, false)));
      const after =
        cursor &&
        sql`(${view.updatedAt}, ${view.id}) < (${cursor.updatedAt.toISOString()}::timestamptz, ${cursor.id}::uuid)`;
      const rows = await db
        .select()
        .from(view)
        .where(after)
        .orderBy(desc(view.updatedAt), desc(view.id))
        .limit(limit);
      return rows.map(toChatRecord);
    },

    async renameChat(ownerId, chatId, title, now) {
      const renamed = await db
        .update(chats)
        .set({ title, updatedAt: now })
        .where(owned(ownerId, chatId))
        .returning({ id: chats.id });
      return renamed.length > 0 ? getChat(ownerId, chatId) : undefined;
    },

    async deleteChat(ownerId, chatId) {
      const rows = await deleteChatStatement({ ownerId, chatId });
      return rows.length === 0
        ? undefined
        : { answerIds: rows.flatMap((row) => (row.answer_id === null ? [] : [row.answer_id])) };
    },
  };
}
