import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { createDatabase, prepareSql } from './client.ts';
import { createRepositories } from './create-repositories.ts';
import { createScratchPostgresDatabase } from './test-database.ts';
import { isDatabaseUnavailable } from './with-database-errors.ts';

const serverUrl = process.env.DATABASE_URL;

test('PostgreSQL: connections killed by the server neither crash the process nor break the pool', {
  skip: serverUrl ? false : 'DATABASE_URL not set',
}, async () => {
  const scratch = await createScratchPostgresDatabase(serverUrl ?? '');
  const connectionErrors: Error[] = [];
  const database = await createDatabase({
    databaseUrl: scratch.url,
    dataDir: 'memory://',
    onConnectionError: (error) => connectionErrors.push(error),
  });
  const repositories = createRepositories(database);
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const killAll = () =>
    admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
      new URL(scratch.url).pathname.slice(1),
    ]);
  try {
    // Killed while checked out in a transaction: the statement fails as unavailable; no unheard 'error' event.
    const inTransaction = database.db.transaction(async (tx) => {
      await killAll();
      await new Promise((resolve) => setTimeout(resolve, 100));
      await tx.execute(sql`SELECT 1`);
    });
    await assert.rejects(inTransaction, isDatabaseUnavailable);
    await repositories.ping();

    // Killed while idle in the pool: reported through onConnectionError, and the next query reconnects.
    await killAll();
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(connectionErrors.length > 0);
    await repositories.ping();
  } finally {
    await admin.end();
    await repositories.close();
    await scratch.drop();
  }
});

test('PostgreSQL: only the lazy-commit connections skip waiting for the disk and keep generic plans', {
  skip: serverUrl ? false : 'DATABASE_URL not set',
}, async () => {
  const scratch = await createScratchPostgresDatabase(serverUrl ?? '');
  const database = await createDatabase({ databaseUrl: scratch.url, dataDir: 'memory://' });
  const setting = async (db: typeof database.db, name: 'synchronous_commit' | 'plan_cache_mode') =>
    (await prepareSql<object, Record<string, string>>(db, `show_${name}`, sql.raw(`SHOW ${name}`))({}))[0]?.[
      name
    ];
  try {
    assert.equal(await setting(database.db, 'synchronous_commit'), 'on');
    assert.equal(await setting(database.lazyCommitDb, 'synchronous_commit'), 'off');
    assert.equal(await setting(database.db, 'plan_cache_mode'), 'auto');
    assert.equal(await setting(database.lazyCommitDb, 'plan_cache_mode'), 'force_generic_plan');
  } finally {
    await database.close();
    await scratch.drop();
  }
});
