import { fakeAnswer } from '../../test/fakes/fake-upstream.ts';
import type { BenchContext } from '../harness/bench-context.ts';
import {
  countWriteTransactions,
  type PgCounters,
  readFlushedPgCounters,
} from '../harness/pg-write-counters.ts';
import { anonymousHeaders, createApiKey } from '../harness/principals.ts';
import type { RelayResult, RelayTarget } from '../load/relay-load.ts';
import { count, fixed } from '../report/format.ts';
import { goals, judged, type ResultRow, unavailable } from '../report/result-row.ts';

const SCENARIO = 'database';
const paths = { v1: '/v1/chat/completions', native: 'native POST' } as const;

/**
 * Scenario 6: database writes per answer, from PostgreSQL's own statistics for a scratch database that only
 * this Parley uses: rows written (pg_stat_database), write transactions (the WAL, via pg_walinspect) and all
 * committed transactions, reads included. Short and long answers, through both doors.
 */
export async function runDbWritesScenario(ctx: BenchContext): Promise<ResultRow[]> {
  const figure = 'database writes per answer';
  if (!ctx.databaseUrl) {
    return [unavailable(SCENARIO, figure, 'DATABASE_URL is not set', goals.databaseWrites)];
  }
  const serverUrl = ctx.databaseUrl;
  const database = await ctx.newDatabase({ require: 'postgres' });
  const parley = await ctx.startParley('db-writes', database.env);
  const { answers, concurrency, tokens: lengths } = ctx.plan.dbWrites;
  try {
    const owner = anonymousHeaders();
    const key = await createApiKey(parley.url, owner);
    // An owner's first OpenAI-compatible request makes the hidden chat all their requests share: once per owner,
    // not per answer, so it is made before the counting starts.
    const firstRequest = await fetch(`${parley.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo', max_tokens: 1, messages: [{ role: 'user', content: 'first' }] }),
    });
    if (!firstRequest.ok) {
      throw new Error(`the first /v1 request failed: ${firstRequest.status} ${await firstRequest.text()}`);
    }
    const rows: ResultRow[] = [];
    for (const path of ['native', 'v1'] as const satisfies RelayTarget[]) {
      for (const tokens of lengths) {
        ctx.progress(`database writes: ${count(answers)} ${tokens}-token answers through ${paths[path]}`);
        await ctx.upstream.setShape({
          tokens,
          firstTokenDelayMs: 0,
          interTokenDelayMs: tokens >= 100 ? 2 : 5,
        });
        const chatIds =
          path === 'native'
            ? (
                await ctx.load<{ chatIds: string[] }>({
                  kind: 'create-chats',
                  url: parley.url,
                  headers: owner,
                  count: answers,
                })
              ).chatIds
            : undefined;
        const before = await readFlushedPgCounters(serverUrl, database.name ?? '');
        const result = await ctx.load<RelayResult>({
          kind: 'relay',
          target: path,
          url: parley.url,
          headers: path === 'native' ? owner : { authorization: `Bearer ${key}` },
          model: 'local/fake-model',
          concurrency,
          roundMs: 120_000,
          rampMs: 0,
          maxRequestsPerWorker: Math.ceil(answers / concurrency),
          expectedText: fakeAnswer(tokens),
          ...(chatIds && { chatIds }),
          watch: {},
        });
        const after = await readFlushedPgCounters(serverUrl, database.name ?? '');
        const writeTransactions = await countWriteTransactions({
          databaseUrl: database.url ?? '',
          from: before.walLsn,
          to: after.walLsn,
        });
        rows.push(writesRow(path, tokens, result, before, after, writeTransactions));
      }
    }
    return rows;
  } finally {
    await parley.stop();
  }
}

function writesRow(
  path: 'native' | 'v1',
  tokens: number,
  result: RelayResult,
  before: PgCounters,
  after: PgCounters,
  writeTransactions: number | undefined,
): ResultRow {
  const answers = result.completed;
  const per = (value: number) => value / answers;
  const rowsWritten = per(
    after.inserted - before.inserted + after.updated - before.updated + after.deleted - before.deleted,
  );
  const transactions = writeTransactions === undefined ? Number.NaN : per(writeTransactions);
  const commits = per(after.commits - before.commits - (after.sessions - before.sessions));
  const value = Math.max(rowsWritten, transactions);
  const notes = [
    result.failed > 0 && `${result.failed} answers failed (${result.firstError})`,
    writeTransactions === undefined &&
      'pg_walinspect is not available, so write transactions are not counted',
  ].filter(Boolean);
  return judged(
    {
      scenario: SCENARIO,
      figure: `database writes per answer, ${tokens} tokens, ${paths[path]}`,
      parley:
        `${fixed(rowsWritten, 1)} rows (ins ${fixed(per(after.inserted - before.inserted), 1)}, ` +
        `upd ${fixed(per(after.updated - before.updated), 1)}), ${fixed(transactions, 1)} write transactions`,
      reference: `${fixed(commits, 1)} transactions incl. read-only; ${count(answers)} answers`,
      result: `${fixed(rowsWritten, 1)} rows, ${fixed(transactions, 1)} write tx`,
      data: { tokens, answers, before, after, writeTransactions, rowsWritten, transactions, commits },
      ...(notes.length > 0 && { note: notes.join('; ') }),
    },
    goals.databaseWrites,
    value,
  );
}
