import path from 'node:path';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { CONNECT_TIMEOUT_MS, type Database } from './client.ts';

const migrationsFolder = path.join(import.meta.dirname, 'migrations');

/**
 * Applies the migrations the database has not seen yet. On PostgreSQL, instances starting together take
 * turns under an advisory lock, so each migration runs exactly once.
 */
export async function migrate(database: Database): Promise<void> {
  if (database.kind === 'pglite') {
    await migratePglite(drizzlePglite({ client: database.client }), { migrationsFolder });
    return;
  }
  // A client of its own, outside the pool: the lock belongs to its session, and a long migration must not
  // be cut short by the pool's statement timeout.
  const client = new pg.Client({
    connectionString: database.url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'parley-migrate',
  });
  // A lost socket also rejects the running query, which reports it; unheard, the event would end the process.
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(`SELECT pg_advisory_lock(hashtext('parley:migrations'))`);
    await migratePg(drizzlePg({ client }), { migrationsFolder });
  } finally {
    // Ending the session releases the lock, also when the migration failed halfway.
    await client.end();
  }
}
