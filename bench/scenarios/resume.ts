import type { BenchContext } from '../harness/bench-context.ts';
import { anonymousHeaders } from '../harness/principals.ts';
import { type InstancePair, startInstancePair } from '../harness/start-instance-pair.ts';
import type { ParleyProcess } from '../harness/start-parley.ts';
import type { ResumeJob, ResumeResult } from '../load/resume-load.ts';
import { p50p99, signedMs } from '../report/format.ts';
import { goals, judged, type ResultRow, unavailable } from '../report/result-row.ts';
import { sum, summarize } from '../report/stats.ts';
import { rotate } from './rotate.ts';

const SCENARIO = 'resume';

interface Setup {
  figure: string;
  generate: ParleyProcess;
  resume: ParleyProcess;
  results: ResumeResult[];
}

/**
 * Scenario 4: a client drops mid-answer and reconnects with Last-Event-ID; the figure is the time from the
 * reconnect request to the first replayed event. The in-process log on one instance, then Redis on the same
 * instance and on another, in interleaved rounds, against the bare server's first event on a new connection.
 */
export async function runResumeScenario(ctx: BenchContext): Promise<ResultRow[]> {
  const plan = ctx.plan.resume;
  await ctx.upstream.setShape(plan);
  const env = { BATCH_WINDOW_MS: '0' };
  const database = await ctx.newDatabase();
  const single = await ctx.startParley('resume-memory', { ...database.env, ...env });
  let pair: InstancePair | undefined;
  try {
    const setups: Setup[] = [
      { figure: 'in-process log, same instance', generate: single, resume: single, results: [] },
    ];
    if (ctx.redisUrl) {
      pair = await startInstancePair(ctx, 'resume', env);
      setups.push(
        { figure: 'Redis, same instance', generate: pair.a, resume: pair.a, results: [] },
        { figure: 'Redis, cross-instance', generate: pair.a, resume: pair.b, results: [] },
      );
    }
    const owner = anonymousHeaders();
    const samples = Math.ceil(plan.samples / ctx.plan.rounds);
    for (let round = 0; round < ctx.plan.rounds; round++) {
      for (const setup of rotate(setups, round)) {
        ctx.progress(`resume round ${round + 1}/${ctx.plan.rounds}: ${setup.figure}`);
        const job: ResumeJob = {
          kind: 'resume',
          generateUrl: setup.generate.url,
          resumeUrl: setup.resume.url,
          referenceUrl: `${ctx.bare.url}/first-event`,
          headers: owner,
          model: 'local/fake-model',
          samples,
          maxEventsBeforeDrop: plan.maxEventsBeforeDrop,
          pauseMs: plan.pauseMs,
        };
        setup.results.push(await ctx.load<ResumeResult>(job));
      }
    }
    const rows = setups.map(resumeRow);
    if (!ctx.redisUrl) {
      rows.push(
        unavailable(
          SCENARIO,
          'reconnect to first replayed event, Redis',
          'REDIS_URL is not set',
          goals.resumeCrossRedisP99,
        ),
      );
    }
    return rows;
  } finally {
    await Promise.all([single.stop(), pair?.stop()]);
  }
}

function resumeRow(setup: Setup): ResultRow {
  const parley = summarize(setup.results.flatMap((result) => result.parleyMs));
  const reference = summarize(setup.results.flatMap((result) => result.referenceMs));
  const wrong = sum(setup.results.map((result) => result.wrong));
  const failed = sum(setup.results.map((result) => result.failed));
  const problems = [
    wrong > 0 && `${wrong} replays did not start right after Last-Event-ID`,
    failed > 0 &&
      `${failed} samples failed (${setup.results.find((result) => result.firstError)?.firstError})`,
  ].filter(Boolean);
  const cross = setup.figure === 'Redis, cross-instance';
  return judged(
    {
      scenario: SCENARIO,
      figure: `reconnect to first replayed event, ${setup.figure}`,
      parley: p50p99(parley),
      reference: `bare first event ${p50p99(reference)}`,
      result: `${signedMs(parley.p50 - reference.p50)} p50, ${signedMs(parley.p99 - reference.p99)} p99`,
      data: { parley, reference, wrong, failed },
      ...(problems.length > 0 && { note: problems.join('; ') }),
    },
    cross ? goals.resumeCrossRedisP99 : undefined,
    parley.p99,
  );
}
