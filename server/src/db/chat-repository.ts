import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import type { ChatRecord, ChatRepository } from './repository.ts';
import { chats } from './schema.ts';

export function createChatRepository(db: Db): ChatRepository {
  const owned = (ownerId: string, chatId: string) => and(eq(chats.id, chatId), eq(chats.ownerId, ownerId));

  return {
    async createChat({ id, ownerId, title, model, hidden = false, now }) {
      const chat: ChatRecord = { id, ownerId, title, model, hidden, createdAt: now, updatedAt: now };
      await db.insert(chats).values(chat);
      return chat;
    },

    async getChat(ownerId, chatId) {
      const [chat] = await db.select().from(chats).where(owned(ownerId, chatId));
      return chat;
    },

    async listChats(ownerId, { limit, cursor }) {
      // A row comparison, so the (owner_id, updated_at desc, id desc) index serves every page the same way.
      const after =
        cursor &&
        sql`(${chats.updatedAt}, ${chats.id}) < (${cursor.updatedAt.toISOString()}::timestamptz, ${cursor.id}::uuid)`;
      return db
        .select()
        .from(chats)
        .where(and(eq(chats.ownerId, ownerId), eq(chats.hidden, false), after))
        .orderBy(desc(chats.updatedAt), desc(chats.id))
        .limit(limit);
    },

    async renameChat(ownerId, chatId, title, now) {
      const [chat] = await db
        .update(chats)
        .set({ title, updatedAt: now })
        .where(owned(ownerId, chatId))
        .returning();
      return chat;
    },

    async deleteChat(ownerId, chatId) {
      const deleted = await db.delete(chats).where(owned(ownerId, chatId)).returning({ id: chats.id });
      return deleted.length > 0;
    },
  };
}
