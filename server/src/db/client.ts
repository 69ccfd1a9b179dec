import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { type PgDatabase, PgDialect, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';

/** The one query interface the repositories use, whichever driver is underneath. */
export type Db = PgDatabase<PgQueryResultHKT>;

/**
 * `lazyCommitDb` is for writes whose loss in a database crash costs little and whose commit sits on the time to
 * first token: its commits return before the WAL reaches disk (synchronous_commit off). They are as visible to
 * others as any commit at once; only durability lags, by at most three WAL writer delays (600 ms by default).
 * Their prepared statements also keep one generic plan (plan_cache_mode): the start of an answer is all index
 * lookups whatever its values, yet PostgreSQL's estimate of its generic plan is high enough that by default it
 * plans every execution anew, which took about as long as running it.
 */
export type Database =
  | { kind: 'pglite'; db: Db; lazyCommitDb: Db; client: PGlite; close(): Promise<void> }
  | { kind: 'postgres'; db: Db; lazyCommitDb: Db; url: string; pool: pg.Pool; close(): Promise<void> };

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
  const db = drizzlePglite({ client, logger });
  return { kind: 'pglite', db, lazyCommitDb: db, client, close: once(() => client.close()) };
}

function createPostgres(
  url: string,
  onConnectionError: (error: Error) => void,
  logger: { logQuery(query: string): void } | undefined,
): Database {
  const pool = createPool(url, onConnectionError);
  const lazyPool = createPool(
    url,
    onConnectionError,
    '-c synchronous_commit=off -c plan_cache_mode=force_generic_plan',
  );
  return {
    kind: 'postgres',
    db: drizzlePg({ client: pool, logger }),
    lazyCommitDb: drizzlePg({ client: lazyPool, logger }),
    url,
    pool,
    close: once(async () => {
      await Promise.all([pool.end(), lazyPool.end()]);
    }),
  };
}

function createPool(url: string, onConnectionError: (error: Error) => void, options?: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    keepAlive: true,
    application_name: 'parley',
    ...(options !== undefined && { options }),
  });
  pool.on('error', onConnectionError);
  // The pool listens for errors of idle clients only (reported just above). A client checked out for a
  // transaction that loses its socket would otherwise emit an unhandled 'error' and end the process; that
  // error also rejects the client's query, which reports it, so this listener has nothing left to do.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/** Shutdown paths may close twice (a test's cleanup after the repositories' close); the second call waits. */
function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= close();
    return closing;
  };
}

/**
 * A statement written in SQL, with `sql.placeholder`s, prepared once per connection: the query builder's
 * `.prepare` for what the builder cannot express (a WITH that writes). Resolves with its rows.
 */
export function prepareSql<Values extends object, Row>(
  db: Db,
  name: string,
  query: SQL,
): (values: Values) => Promise<Row[]> {
  const prepared = db._.session.prepareQuery(new PgDialect().sqlToQuery(query), undefined, name, false);
  return async (values) => {
    const result = (await prepared.execute(values as Record<string, unknown>)) as { rows: Row[] };
    return result.rows;
  };
}
