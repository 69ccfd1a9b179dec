import type { BenchContext } from '../harness/bench-context.ts';
import { anonymousHeaders } from '../harness/principals.ts';
import type { CacheResult } from '../load/cache-load.ts';
import { p50p99, signedMs } from '../report/format.ts';
import { goals, judged, type ResultRow, unavailable } from '../report/result-row.ts';
import { summarize } from '../report/stats.ts';

const SCENARIO = 'cache';

/**
 * Scenario 5: each deterministic question asked twice; the repeat should come from the response cache.
 * The references: the first ask of each (a miss, through the fake upstream), and the same POST to the bare
 * server, which answers at once from nothing: the floor of any hit on this machine (two processes, loopback,
 * one kept-alive connection). With PostgreSQL, the bare server is also asked to commit one row before it
 * answers: the floor of a hit whose prompt is saved before its first byte, as Parley's is (a 404 or 409 must
 * come before the stream). Run with the production engines when they are there (Redis cache), else with the
 * in-process one.
 */
export async function runCacheScenario(ctx: BenchContext): Promise<ResultRow[]> {
  await ctx.upstream.setShape({ tokens: 20, firstTokenDelayMs: 0, interTokenDelayMs: 5 });
  const database = await ctx.newDatabase();
  const engine = ctx.redisUrl ? 'Redis' : 'in-process';
  const parley = await ctx.startParley('cache', {
    ...database.env,
    ...(ctx.redisUrl && { REDIS_URL: ctx.redisUrl, REDIS_PREFIX: ctx.newRedisPrefix() }),
  });
  try {
    const result = await ctx.load<CacheResult>({
      kind: 'cache',
      url: parley.url,
      headers: anonymousHeaders(),
      model: 'local/fake-model',
      samples: ctx.plan.cache.samples,
      bareUrl: ctx.bare.url,
      databaseUrl: database.kind === 'postgres' ? database.url : undefined,
    });
    const figure = `cache-hit TTFT, ${engine} cache`;
    if (result.hits === 0) {
      return [
        unavailable(
          SCENARIO,
          figure,
          `no repeat was served from a cache (${result.failed} failed${result.firstError ? `: ${result.firstError}` : ''})`,
          goals.cacheHitTtft,
        ),
      ];
    }
    const hit = summarize(result.hitTtftMs);
    const miss = summarize(result.missTtftMs);
    const bare = summarize(result.bareTtftMs);
    const saved = result.bareSavedTtftMs.length > 0 ? summarize(result.bareSavedTtftMs) : undefined;
    return [
      judged(
        {
          scenario: SCENARIO,
          figure,
          parley: p50p99(hit),
          reference: [
            `miss (upstream) ${p50p99(miss)}`,
            `bare node:http answering at once ${p50p99(bare)}`,
            ...(saved ? [`bare node:http committing one PostgreSQL row first ${p50p99(saved)}`] : []),
          ].join('; '),
          result: [
            `${signedMs(hit.p50 - bare.p50)} p50 vs bare`,
            ...(saved ? [`${signedMs(hit.p50 - saved.p50)} vs bare with a commit`] : []),
            `${signedMs(hit.p50 - miss.p50)} vs miss`,
          ].join(', '),
          data: { hit, miss, bare, saved, hits: result.hits, samples: ctx.plan.cache.samples },
          ...(result.hits < ctx.plan.cache.samples && {
            note: `${result.hits} of ${ctx.plan.cache.samples} repeats were hits`,
          }),
        },
        goals.cacheHitTtft,
        hit.p50,
      ),
    ];
  } finally {
    await parley.stop();
  }
}
