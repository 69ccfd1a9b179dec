import type { MessageRecord, VersionedMessage } from './repository.ts';

/**
 * Messages form a tree: an answer's parent is the user message it replies to, a user message's parent is the
 * answer it follows (null for a chat's first message). Messages sharing a parent and a role are versions of
 * each other: regenerated answers, or edits of a user message.
 */
export interface MessageTree {
  /** From the newest first message down, each step taking the newest version, until a message has no reply. */
  thread(): VersionedMessage[];
  /** The versions of one message, itself included, oldest first; empty when the tree does not hold it. */
  versionsOf(messageId: string): VersionedMessage[];
}

/** `messages` must be one chat's messages in created order (createdAt, then id). */
export function createMessageTree(messages: MessageRecord[]): MessageTree {
  const groups = new Map<string, MessageRecord[]>();
  for (const message of messages) {
    const key = groupKey(message.role, message.parentId);
    const group = groups.get(key);
    if (group) {
      group.push(message);
    } else {
      groups.set(key, [message]);
    }
  }
  const versioned = (group: MessageRecord[]) =>
    group.map((message, index) => ({ ...message, versionCount: group.length, versionIndex: index + 1 }));

  return {
    thread() {
      const thread: VersionedMessage[] = [];
      let role: MessageRecord['role'] = 'user';
      let parentId: string | null = null;
      // Each step moves to a child row, so the walk is at most as long as the chat.
      while (thread.length < messages.length) {
        const newest = versioned(groups.get(groupKey(role, parentId)) ?? []).at(-1);
        if (!newest) {
          break;
        }
        thread.push(newest);
        role = role === 'user' ? 'assistant' : 'user';
        parentId = newest.id;
      }
      return thread;
    },

    versionsOf(messageId) {
      const target = messages.find((message) => message.id === messageId);
      return target ? versioned(groups.get(groupKey(target.role, target.parentId)) ?? []) : [];
    },
  };
}

function groupKey(role: MessageRecord['role'], parentId: string | null): string {
  return `${role}:${parentId ?? ''}`;
}
