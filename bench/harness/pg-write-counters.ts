import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

/** PostgreSQL's own counters for one database, and where the WAL stood when they were read. */
export interface PgCounters {
  /** Every committed transaction, read-only ones included. */
  commits: number;
  rollbacks: number;
  /** Rows inserted, updated and deleted. */
  inserted: number;
  updated: number;
  deleted: number;
  /** Connections opened: each costs one commit of its own when it starts. */
  sessions: number;
  walLsn: string;
}

const GONE_TIMEOUT_MS = 5000;

/**
 * Reads pg_stat_database for `database` over a connection to another database of the server (`serverUrl`),
 * so the reading adds no transaction to the counts it reads.
 */
export async function readPgCounters(serverUrl: string, database: string): Promise<PgCounters> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rows } = await client.query<Record<string, string>>(
      `SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, sessions,
              pg_current_wal_flush_lsn()::text AS lsn
         FROM pg_stat_database WHERE datname = $1`,
      [database],
    );
    const row = rows[0];
    if (!row) {
      throw new Error(`no statistics for database ${database}`);
    }
    return {
      commits: Number(row.xact_commit),
      rollbacks: Number(row.xact_rollback),
      inserted: Number(row.tup_inserted),
      updated: Number(row.tup_updated),
      deleted: Number(row.tup_deleted),
      sessions: Number(row.sessions),
      walLsn: row.lsn ?? '0/0',
    };
  } finally {
    await client.end();
  }
}

/**
 * The counters with every backend's share in them. A backend reports its counters when idle, but after a
 * recent report it holds the next for up to 10 s (PGSTAT_IDLE_INTERVAL); one that exits reports at once. So
 * Parley's idle connections to `database` are ended first (its pool opens new ones when it needs them).
 */
export async function readFlushedPgCounters(serverUrl: string, database: string): Promise<PgCounters> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [database],
    );
    const deadline = Date.now() + GONE_TIMEOUT_MS;
    for (;;) {
      const { rows } = await client.query<{ left: string }>(
        'SELECT count(*) AS left FROM pg_stat_activity WHERE datname = $1',
        [database],
      );
      if (rows[0]?.left === '0' || Date.now() > deadline) {
        break;
      }
      await sleep(20);
    }
  } finally {
    await client.end();
  }
  return readPgCounters(serverUrl, database);
}

/**
 * Write transactions on `database` between two WAL positions, from the WAL itself (pg_walinspect): the
 * distinct transaction ids of the records that touch the database's relations. Read-only transactions write
 * no such record. Undefined when the server lacks pg_walinspect (PostgreSQL 15+ contrib).
 */
export async function countWriteTransactions(input: {
  databaseUrl: string;
  from: string;
  to: string;
}): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: input.databaseUrl });
  await client.connect();
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect');
    const { rows } = await client.query<{ transactions: string }>(
      `SELECT count(DISTINCT xid::text) AS transactions
         FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn)
        WHERE xid <> '0'::xid
          AND block_ref LIKE '% rel %/' || (SELECT oid FROM pg_database WHERE datname = current_database()) || '/%'`,
      [input.from, input.to],
    );
    return Number(rows[0]?.transactions ?? 0);
  } catch {
    return undefined;
  } finally {
    await client.end();
  }
}
