import { LRUCache } from 'lru-cache';
import type { ChatRecord } from '../db/repository.ts';

// Owners whose hidden chat this instance knows exists; past this, the least recent ones are asked for again.
const MAX_OWNERS = 10_000;

export interface HiddenChatCache {
  /** The owner's hidden chat, made on first use; the database is asked once per owner per instance. */
  get(ownerId: string, model: string): Promise<ChatRecord>;
  /** Drops what this instance knows of the owner's hidden chat: it turned out to be gone. */
  forget(ownerId: string): void;
}

export function createHiddenChatCache(deps: {
  ensure(ownerId: string, model: string): Promise<ChatRecord>;
}): HiddenChatCache {
  const known = new LRUCache<string, Promise<ChatRecord>>({ max: MAX_OWNERS });
  return {
    get(ownerId, model) {
      let chat = known.get(ownerId);
      if (!chat) {
        chat = deps.ensure(ownerId, model);
        known.set(ownerId, chat);
        // A failed lookup is not remembered: the next request asks again.
        chat.catch(() => known.delete(ownerId));
      }
      return chat;
    },
    forget(ownerId) {
      known.delete(ownerId);
    },
  };
}
