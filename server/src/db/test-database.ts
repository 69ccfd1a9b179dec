import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDatabase, type Database } from './client.ts';
import { createRepositories } from './create-repositories.ts';
import { migrate } from './migrate.ts';
import type { Repositories } from './repository.ts';

export interface TestDatabase {
  database: Database;
  repositories: Repositories;
  /** How many statements that write (INSERT, UPDATE, DELETE, alone or in a WITH) the repositories have sent so far. */
  writeCount(): number;
  /** Closes the database and, on PostgreSQL, drops it. */
  cleanup(): Promise<void>;
}

/**
 * A fresh migrated database for one test suite: its own PostgreSQL database on DATABASE_URL's server when
 * `engine` is 'postgres' and DATABASE_URL is set, otherwise an in-memory PGlite.
 */
export async function createTestDatabase(
  options: { engine?: 'pglite' | 'postgres' } = {},
): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  const scratch =
    options.engine === 'postgres' && serverUrl ? await createScratchPostgresDatabase(serverUrl) : undefined;
  let writes = 0;
  const database = await createDatabase({
    databaseUrl: scratch?.url,
    dataDir: 'memory://',
    onQuery: (query) => {
      if (/^\s*(with\b[\s\S]*\b)?(insert|update|delete)\b/i.test(query)) {
        writes++;
      }
    },
  });
  await migrate(database);
  return {
    database,
    repositories: createRepositories(database),
    writeCount: () => writes,
    async cleanup() {
      await database.close();
      await scratch?.drop();
    },
  };
}

/** An empty database with a random name on the server of `serverUrl`; `drop` removes it even if still in use. */
export async function createScratchPostgresDatabase(
  serverUrl: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `parley_test_${randomBytes(6).toString('hex')}`;
  await onServer(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => onServer(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

async function onServer(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
