import type { BenchContext } from '../harness/bench-context.ts';
import { anonymousHeaders } from '../harness/principals.ts';
import type { RelayJob, RelayResult } from '../load/relay-load.ts';
import { count, p50p99 } from '../report/format.ts';
import { judged, type ResultRow } from '../report/result-row.ts';
import { sum, summarize } from '../report/stats.ts';

const SCENARIO = 'demo model';

/**
 * Issue 2's figure: TTFT of the native POST with the built-in demo model set to no first-token delay, so
 * all of it is Parley's, in the embedded mode `npm start` runs (PGlite, in-process log), at 1 and at 200
 * concurrent streams.
 */
export async function runDemoTtftScenario(ctx: BenchContext): Promise<ResultRow[]> {
  const plan = ctx.plan.demo;
  const parley = await ctx.startParley('demo-embedded', {
    DATA_DIR: (await ctx.newDatabase({ embedded: true })).env.DATA_DIR ?? '',
    DEMO_FIRST_TOKEN_DELAY_MS: '0',
    DEMO_TOKENS_PER_SECOND: String(plan.tokensPerSecond),
  });
  const owner = anonymousHeaders();
  try {
    const rows: ResultRow[] = [];
    for (const level of plan.levels) {
      const streamMs = (plan.maxTokens / plan.tokensPerSecond) * 1000;
      const results: RelayResult[] = [];
      for (let round = 0; round < ctx.plan.rounds; round++) {
        ctx.progress(`demo model C=${level.concurrency} round ${round + 1}/${ctx.plan.rounds}`);
        const job: RelayJob = {
          kind: 'relay',
          target: 'native',
          url: parley.url,
          headers: owner,
          model: 'demo',
          concurrency: level.concurrency,
          roundMs: level.roundMs,
          rampMs: level.concurrency === 1 ? 0 : streamMs,
          maxRequestsPerWorker: Math.ceil(level.roundMs / streamMs) + 2,
          options: { maxTokens: plan.maxTokens },
          watch: { parley: parley.pid },
        };
        results.push(await ctx.load<RelayResult>(job));
      }
      const ttft = summarize(results.flatMap((result) => result.ttftMs));
      const failed = sum(results.map((result) => result.failed));
      rows.push(
        judged(
          {
            scenario: SCENARIO,
            figure: `TTFT added over the demo model's own delay (0), C=${level.concurrency}, embedded`,
            parley: p50p99(ttft),
            reference: "the model's first-token delay: 0 ms",
            result: `${count(ttft.n)} answers`,
            data: { level, ttft, failed },
            ...(failed > 0 && {
              note: `${failed} answers failed (${results.find((result) => result.firstError)?.firstError})`,
            }),
          },
          undefined,
          ttft.p50,
        ),
      );
    }
    return rows;
  } finally {
    await parley.stop();
  }
}
