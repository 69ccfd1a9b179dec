import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { createDatabase } from './client.ts';
import { createRepositories } from './create-repositories.ts';
import { repositoryContract } from './repository.contract.ts';
import { UNTITLED_CHAT_TITLE } from './schema.ts';
import { createTestDatabase } from './test-database.ts';

const skip = process.env.DATABASE_URL ? false : 'DATABASE_URL not set';

describe('PostgreSQL repositories', { skip }, () => {
  repositoryContract(() => createTestDatabase({ engine: 'postgres' }));

  test('two instances racing on one chat: one answer begins, the other is in_progress', async () => {
    const shared = await createTestDatabase({ engine: 'postgres' });
    if (shared.database.kind !== 'postgres') {
      throw new Error('expected PostgreSQL');
    }
    const instances = [
      shared.repositories,
      createRepositories(await createDatabase({ databaseUrl: shared.database.url, dataDir: 'memory://' })),
    ];
    try {
      const chatId = randomUUID();
      const now = new Date();
      await shared.repositories.chats.createChat({
        id: chatId,
        ownerId: 'o',
        title: UNTITLED_CHAT_TITLE,
        model: 'demo',
        now,
      });
      const results = await Promise.all(
        instances.flatMap((repositories) =>
          [1, 2, 3].map(() => {
            const userId = randomUUID();
            return repositories.messages.beginAnswer({
              ownerId: 'o',
              chatId,
              userMessage: { id: userId, content: 'hi', clientMessageId: null, parentId: null },
              answer: { id: randomUUID(), model: 'demo', parentId: userId },
              now,
            });
          }),
        ),
      );
      assert.equal(results.filter((result) => typeof result === 'object').length, 1);
      assert.equal(results.filter((result) => result === 'in_progress').length, 5);
    } finally {
      await instances[1]?.close();
      await shared.cleanup();
    }
  });
});
