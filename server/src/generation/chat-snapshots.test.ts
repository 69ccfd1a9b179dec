import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MessageRecord } from '../db/repository.ts';
import { type ChatSnapshot, createChatSnapshots } from './chat-snapshots.ts';

const at = new Date('2026-01-01T00:00:00.000Z');

function message(chatId: string, content: string, overrides: Partial<MessageRecord> = {}): MessageRecord {
  return {
    id: `${chatId}-${content}`,
    chatId,
    ownerId: 'owner',
    role: 'user',
    content,
    status: 'complete',
    model: 'demo',
    parentId: null,
    clientMessageId: null,
    finishReason: null,
    inputTokens: null,
    outputTokens: null,
    errorCode: null,
    errorMessage: null,
    cached: false,
    concurrent: false,
    createdAt: at,
    completedAt: at,
    ...overrides,
  };
}

function snapshot(chatId: string, messages: MessageRecord[], hidden = false): ChatSnapshot {
  const chat = {
    id: chatId,
    ownerId: 'owner',
    title: 't',
    model: 'demo',
    hidden,
    createdAt: at,
    updatedAt: at,
  };
  return { chat, messages, thread: [] };
}

test('a chat is held for its owner only', () => {
  const snapshots = createChatSnapshots({ maxChars: 100 });
  const held = snapshot('a', [message('a', 'hello')]);
  snapshots.keep(held);
  assert.equal(snapshots.get('owner', 'a'), held);
  assert.equal(snapshots.get('someone else', 'a'), undefined);
  snapshots.forget('a');
  assert.equal(snapshots.get('owner', 'a'), undefined);
});

test('a chat with a streaming answer, or a hidden chat, is not held, and replaces what was', () => {
  const snapshots = createChatSnapshots({ maxChars: 100 });
  snapshots.keep(snapshot('a', [message('a', 'hello')]));
  snapshots.keep(snapshot('a', [message('a', 'hello'), message('a', '', { status: 'streaming' })]));
  assert.equal(snapshots.get('owner', 'a'), undefined);
  snapshots.keep(snapshot('h', [message('h', 'hello')], true));
  assert.equal(snapshots.get('owner', 'h'), undefined);
});

test('the least recently used chats go first once their text is over the limit', () => {
  const snapshots = createChatSnapshots({ maxChars: 10 });
  snapshots.keep(snapshot('a', [message('a', 'aaaa')]));
  snapshots.keep(snapshot('b', [message('b', 'bbbb')]));
  assert.ok(snapshots.get('owner', 'a'));
  snapshots.keep(snapshot('c', [message('c', 'cccc')]));
  assert.ok(snapshots.get('owner', 'a'));
  assert.equal(snapshots.get('owner', 'b'), undefined);
  assert.ok(snapshots.get('owner', 'c'));
  snapshots.keep(snapshot('big', [message('big', 'x'.repeat(11))]));
  assert.equal(snapshots.get('owner', 'big'), undefined);
  assert.ok(snapshots.get('owner', 'a'));
});

test('a limit of 0 holds nothing, not even an empty chat', () => {
  const snapshots = createChatSnapshots({ maxChars: 0 });
  snapshots.keep(snapshot('a', []));
  assert.equal(snapshots.get('owner', 'a'), undefined);
});

test('only the snapshot held is extended: one found stale or already extended is not', () => {
  const snapshots = createChatSnapshots({ maxChars: 100 });
  const first = snapshot('a', [message('a', 'one')]);
  snapshots.keep(first);
  const answer = message('a', 'two', { role: 'assistant', parentId: 'a-one', model: 'other' });
  snapshots.extend(first, [answer], 'Named');
  const extended = snapshots.get('owner', 'a');
  assert.deepEqual(extended?.messages, [first.messages[0], answer]);
  assert.equal(extended?.chat.title, 'Named');
  assert.equal(extended?.chat.model, 'other');
  assert.deepEqual(
    extended?.thread.map((m) => m.id),
    ['a-one', 'a-two'],
  );

  snapshots.extend(first, [message('a', 'three')], 'Again');
  assert.equal(snapshots.get('owner', 'a'), extended);
  snapshots.forget('a');
  snapshots.extend(extended as ChatSnapshot, [message('a', 'four')], 'Gone');
  assert.equal(snapshots.get('owner', 'a'), undefined);
});
