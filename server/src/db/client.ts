import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';

/** The one query interface the repositories use, whichever driver is underneath. */
export type Db = PgDatabase<PgQueryResultHKT>;

export type Database =
  | { kind: 'pglite'; db: Db; client: PGlite; close(): Promise<void> }
  | { kind: 'postgres'; db: Db; url: string; pool: pg.Pool; close(): Promise<void> };

export interface DatabaseConfig {
  /** PostgreSQL when set; otherwise the embedded PGlite. */
  databaseUrl?: string;
  /** Where PGlite keeps its files; `memory://` keeps them in memory (tests). */
  dataDir: string;
  /** Errors of PostgreSQL connections outside a query (a restart, a dropped socket); they never crash the process. */
  onConnectionError?: (error: Error) => void;
  /** Sees every statement the query builder sends; tests count writes with it. */
  onQuery?: (query: string) => void;
}

// A dead or overloaded database answers with an error within seconds instead of holding requests open.
const POOL_SIZE = 10;
export const CONNECT_TIMEOUT_MS = 3000;
const STATEMENT_TIMEOUT_MS = 10_000;
// Longer than the server-side statement timeout, so it only fires when the server has stopped answering.
const QUERY_TIMEOUT_MS = 12_000;

export async function createDatabase(config: DatabaseConfig): Promise<Database> {
  const logger = config.onQuery && { logQuery: config.onQuery };
  if (config.databaseUrl !== undefined) {
    return createPostgres(config.databaseUrl, config.onConnectionError ?? (() => {}), logger);
  }
  if (!config.dataDir.startsWith('memory://')) {
    await mkdir(config.dataDir, { recursive: true });
  }
  const client = await PGlite.create(config.dataDir);
  return { kind: 'pglite', db: drizzlePglite({ client, logger }), client, close: once(() => client.close()) };
}

function createPostgres(
  url: string,
  onConnectionError: (error: Error) => void,
  logger: { logQuery(query: string): void } | undefined,
): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    keepAlive: true,
    application_name: 'parley',
  });
  pool.on('error', onConnectionError);
  // The pool listens for errors of idle clients only (reported just above). A client checked out for a
  // transaction that loses its socket would otherwise emit an unhandled 'error' and end the process; that
  // error also rejects the client's query, which reports it, so this listener has nothing left to do.
  pool.on('connect', (client) => client.on('error', () => {}));
  return {
    kind: 'postgres',
    db: drizzlePg({ client: pool, logger }),
    url,
    pool,
    close: once(() => pool.end()),
  };
}

/** Shutdown paths may close twice (a test's cleanup after the repositories' close); the second call waits. */
function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= close();
    return closing;
  };
}
