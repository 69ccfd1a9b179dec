import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { createDatabase } from './client.ts';
import { createRepositories } from './create-repositories.ts';
import { migrate } from './migrate.ts';
import { repositoryContract } from './repository.contract.ts';
import { createTestDatabase } from './test-database.ts';

describe('PGlite repositories', () => {
  repositoryContract(() => createTestDatabase());
});

test('PGlite on disk keeps the data across a reopen', async () => {
  const dataDir = path.join(await mkdtemp(path.join(tmpdir(), 'parley-pglite-')), 'data');
  try {
    const chatId = randomUUID();
    const userId = randomUUID();
    const answerId = randomUUID();
    const now = new Date('2026-03-04T05:06:07.089Z');

    const first = createRepositories(await open(dataDir));
    await first.chats.createChat({ id: chatId, ownerId: 'owner', title: 'Kept', model: 'demo', now });
    await first.messages.beginAnswer({
      ownerId: 'owner',
      chatId,
      userMessage: { id: userId, content: 'hello', clientMessageId: null, parentId: null },
      answer: { id: answerId, model: 'demo', parentId: userId },
      now,
    });
    await first.close();

    const second = createRepositories(await open(dataDir));
    try {
      assert.deepEqual(await second.chats.getChat('owner', chatId), {
        id: chatId,
        ownerId: 'owner',
        title: 'Kept',
        model: 'demo',
        hidden: false,
        createdAt: now,
        updatedAt: now,
      });
      const thread = (await second.chats.getChatWithMessages('owner', chatId))?.thread ?? [];
      assert.deepEqual(
        thread.map((message) => [message.id, message.status]),
        [
          [userId, 'complete'],
          [answerId, 'streaming'],
        ],
      );
    } finally {
      await second.close();
    }
  } finally {
    await rm(path.dirname(dataDir), { recursive: true, force: true });
  }
});

async function open(dataDir: string) {
  const database = await createDatabase({ dataDir });
  // The second run finds every migration applied and changes nothing.
  await migrate(database);
  return database;
}
