import { LRUCache } from 'lru-cache';
import { createMessageTree } from '../db/message-tree.ts';
import type { ChatRead, MessageRecord } from '../db/repository.ts';

/** A chat as this instance last read or extended it. */
export type ChatSnapshot = ChatRead;

/**
 * The chats this instance made or last answered in, so the next message in one goes to the model without reading
 * the chat first. A snapshot is never trusted blindly: the answer's begin statement is given its message count and
 * writes nothing when the chat holds another number (see `BeginAnswerInput.messageCount`), and the caller then
 * reads the chat and tries again. Only snapshots whose every message is final are kept, as final messages never
 * change and messages are only ever added; so a matching count means the snapshot is the chat.
 */
export interface ChatSnapshots {
  /** The owner's chat, when this instance holds it. */
  get(ownerId: string, chatId: string): ChatSnapshot | undefined;
  /** Keeps a read of a chat, unless an answer in it is still streaming, or it is a hidden chat. */
  keep(snapshot: ChatSnapshot): void;
  /**
   * Replaces `snapshot` by itself with `added` (final messages this instance saved after it) and the chat title
   * the begin statement reported. Does nothing when the instance no longer holds `snapshot` itself: another
   * request found it stale, or extended it first.
   */
  extend(snapshot: ChatSnapshot, added: MessageRecord[], title: string): void;
  forget(chatId: string): void;
}

export interface ChatSnapshotLimits {
  /** Characters of message text held, over every chat; the least recently used go first. 0 holds none. */
  maxChars: number;
}

export function createChatSnapshots({ maxChars }: ChatSnapshotLimits): ChatSnapshots {
  // A chat counts its messages' text, and one for itself, so an empty one is held too.
  const held =
    maxChars > 0
      ? new LRUCache<string, ChatSnapshot>({
          maxSize: maxChars,
          sizeCalculation: (snapshot) =>
            snapshot.messages.reduce((sum, message) => sum + message.content.length, 1),
        })
      : undefined;

  return {
    get(ownerId, chatId) {
      const snapshot = held?.get(chatId);
      return snapshot?.chat.ownerId === ownerId ? snapshot : undefined;
    },

    keep(snapshot) {
      if (!snapshot.chat.hidden && snapshot.messages.every((message) => message.status !== 'streaming')) {
        held?.set(snapshot.chat.id, snapshot);
      } else {
        held?.delete(snapshot.chat.id);
      }
    },

    extend(snapshot, added, title) {
      if (held?.peek(snapshot.chat.id) === snapshot) {
        held.set(snapshot.chat.id, extendSnapshot(snapshot, added, title));
      }
    },

    forget(chatId) {
      held?.delete(chatId);
    },
  };
}

/**
 * The chat as a read would find it once `added` are saved: the chat list's view of a chat follows its newest
 * message (activity, model) and, untitled, its first prompt, which the begin statement's `title` already is.
 */
export function extendSnapshot(snapshot: ChatSnapshot, added: MessageRecord[], title: string): ChatSnapshot {
  // In the database's order: created time, then id (a prompt and its answer share their time).
  const messages = [...snapshot.messages, ...added].sort(
    (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const newest = added.at(-1);
  const chat =
    newest === undefined
      ? { ...snapshot.chat, title }
      : {
          ...snapshot.chat,
          title,
          model: newest.model,
          updatedAt: new Date(Math.max(newest.createdAt.getTime(), snapshot.chat.updatedAt.getTime())),
        };
  return { chat, messages, thread: createMessageTree(messages).thread() };
}
