import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { count } from 'drizzle-orm';
import { pgSchema, serial } from 'drizzle-orm/pg-core';
import { createDatabase, type Database } from './client.ts';
import { migrate } from './migrate.ts';
import { chats, messages } from './schema.ts';
import { createScratchPostgresDatabase } from './test-database.ts';

const journal = JSON.parse(
  await readFile(path.join(import.meta.dirname, 'migrations/meta/_journal.json'), 'utf8'),
) as { entries: unknown[] };

// Where drizzle's migrator records what it applied.
const appliedTable = pgSchema('drizzle').table('__drizzle_migrations', { id: serial('id') });

async function appliedMigrations(database: Database): Promise<number> {
  const [row] = await database.db.select({ applied: count() }).from(appliedTable);
  return row?.applied ?? 0;
}

test('PGlite: migrate applies every migration once and is a no-op the second time', async () => {
  const database = await createDatabase({ dataDir: 'memory://' });
  try {
    await migrate(database);
    await migrate(database);
    assert.equal(await appliedMigrations(database), journal.entries.length);
  } finally {
    await database.close();
  }
});

test('PostgreSQL: three instances migrating a fresh database at once each apply it exactly once', {
  skip: process.env.DATABASE_URL ? false : 'DATABASE_URL not set',
}, async () => {
  const scratch = await createScratchPostgresDatabase(process.env.DATABASE_URL ?? '');
  const instances = await Promise.all(
    [1, 2, 3].map(() => createDatabase({ databaseUrl: scratch.url, dataDir: 'memory://' })),
  );
  try {
    await Promise.all(instances.map((database) => migrate(database)));
    for (const database of instances) {
      assert.equal(await appliedMigrations(database), journal.entries.length);
    }
    const [database] = instances;
    assert.deepEqual(await database?.db.select({ rows: count() }).from(chats), [{ rows: 0 }]);
    assert.deepEqual(await database?.db.select({ rows: count() }).from(messages), [{ rows: 0 }]);
  } finally {
    await Promise.all(instances.map((database) => database.close()));
    await scratch.drop();
  }
});
