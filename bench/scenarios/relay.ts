import { fakeAnswer } from '../../test/fakes/fake-upstream.ts';
import type { RelayLevel } from '../bench-plan.ts';
import type { BenchContext } from '../harness/bench-context.ts';
import { anonymousHeaders, createApiKey } from '../harness/principals.ts';
import type { RelayJob, RelayResult, RelayTarget } from '../load/relay-load.ts';
import { fixed, ms, p50p99, ratio, signedMs } from '../report/format.ts';
import { type Goal, goals, judged, type ResultRow } from '../report/result-row.ts';
import { sum, summarize } from '../report/stats.ts';
import { rotate } from './rotate.ts';

const SCENARIO = 'relay';
const paths = { v1: '/v1/chat/completions', native: 'native POST' } as const;
const targetOrder = ['direct', 'bare', 'v1', 'native'] as const satisfies RelayTarget[];

/**
 * Scenario 1: the same fake upstream stream, called directly and through Parley's two doors, at each
 * concurrency, in interleaved rounds. Parley runs on the production database with the in-process log. The bare
 * node:http relay runs in the same rounds: the least a relay in Node costs on this machine.
 */
export async function runRelayScenario(ctx: BenchContext): Promise<ResultRow[]> {
  const database = await ctx.newDatabase();
  const parley = await ctx.startParley('relay', database.env);
  const owner = anonymousHeaders();
  const key = await createApiKey(parley.url, owner);
  const targets: Record<RelayTarget, Pick<RelayJob, 'url' | 'headers' | 'model'>> = {
    direct: { url: ctx.upstream.url, headers: {}, model: 'fake-model' },
    bare: { url: ctx.bare.url, headers: { 'x-upstream-url': ctx.upstream.url }, model: 'fake-model' },
    v1: { url: parley.url, headers: { authorization: `Bearer ${key}` }, model: 'local/fake-model' },
    native: { url: parley.url, headers: owner, model: 'local/fake-model' },
  };
  const relayPid = (target: RelayTarget) => (target === 'bare' ? ctx.bare.pid : parley.pid);

  const job = (target: RelayTarget, level: RelayLevel): RelayJob => {
    const streamMs = level.firstTokenDelayMs + level.tokens * level.interTokenDelayMs;
    return {
      kind: 'relay',
      target,
      ...targets[target],
      concurrency: level.concurrency,
      roundMs: level.roundMs,
      rampMs: level.concurrency === 1 ? 0 : streamMs,
      maxRequestsPerWorker: Math.ceil(level.roundMs / Math.max(streamMs, 1)) + 2,
      expectedText: fakeAnswer(level.tokens),
      watch: { relay: relayPid(target), upstream: ctx.upstream.pid },
    };
  };

  try {
    // Warm-up, not counted: every path's code is compiled and every pool has its connections.
    const warmUp: RelayLevel = {
      concurrency: 10,
      tokens: 10,
      firstTokenDelayMs: 0,
      interTokenDelayMs: 2,
      roundMs: ctx.plan.relayWarmUpMs,
    };
    await ctx.upstream.setShape(warmUp);
    for (const target of targetOrder) {
      await ctx.load(job(target, warmUp));
    }

    const rows: ResultRow[] = [];
    for (const level of ctx.plan.relay) {
      await ctx.upstream.setShape(level);
      const results: Record<RelayTarget, RelayResult[]> = { direct: [], bare: [], v1: [], native: [] };
      for (let round = 0; round < ctx.plan.rounds; round++) {
        for (const target of rotate(targetOrder, round)) {
          ctx.progress(`relay C=${level.concurrency} round ${round + 1}/${ctx.plan.rounds}: ${target}`);
          results[target].push(await ctx.load<RelayResult>(job(target, level)));
        }
      }
      rows.push(...relayRows(level, results));
      if (level.concurrency === 1) {
        rows.push(hostGauge(level, results.direct));
      }
    }
    return rows;
  } finally {
    await parley.stop();
  }
}

function relayRows(level: RelayLevel, results: Record<RelayTarget, RelayResult[]>): ResultRow[] {
  const c = level.concurrency;
  const direct = pool(results.direct, level);
  const bare = pool(results.bare, level);
  const bareOverhead = bare.ttft.p50 - direct.ttft.p50;
  const bareRatio = bare.tokensPerSecond / direct.tokensPerSecond;
  const rows: ResultRow[] = [];
  for (const path of ['v1', 'native'] as const) {
    const through = pool(results[path], level);
    const overhead = { p50: through.ttft.p50 - direct.ttft.p50, p99: through.ttft.p99 - direct.ttft.p99 };
    const ttftGoal: Goal | undefined =
      c === 1 ? goals.ttftOverheadC1 : c === 100 ? goals.ttftOverheadC100 : undefined;
    const note = failureNote([
      [through, 'streams through Parley'],
      [direct, 'direct streams'],
      [bare, 'streams through the bare relay'],
    ]);
    rows.push(
      judged(
        {
          scenario: SCENARIO,
          figure: `TTFT overhead vs direct, C=${c}, ${paths[path]}`,
          parley: p50p99(through.ttft),
          reference:
            `direct ${p50p99(direct.ttft)}; ` +
            `bare node:http relay p50 ${ms(bare.ttft.p50)} (${signedMs(bareOverhead)})`,
          result: `${signedMs(overhead.p50)} p50, ${signedMs(overhead.p99)} p99`,
          data: { level, overhead, parley: through, direct, bare },
          ...(note && { note }),
        },
        ttftGoal,
        overhead.p50,
      ),
    );
    const tokensRatio = through.tokensPerSecond / direct.tokensPerSecond;
    // Each round against the direct round run beside it: how far the pooled figure could move between runs.
    const roundRatios = results[path].map(
      (result, round) =>
        pool([result], level).tokensPerSecond /
        pool([results.direct[round] as RelayResult], level).tokensPerSecond,
    );
    rows.push(
      judged(
        {
          scenario: SCENARIO,
          figure: `tokens/s vs direct, C=${c}, ${paths[path]}`,
          parley:
            `${fixed(through.tokensPerSecond, 0)} tok/s, gap p99 ${ms(through.gap.p99)}, ` +
            `${fixed(through.cpuMicrosPerToken, 0)} µs CPU/tok, RSS ${fixed(through.rssPeakMiB, 0)} MiB`,
          reference:
            `direct ${fixed(direct.tokensPerSecond, 0)} tok/s, gap p99 ${ms(direct.gap.p99)}, ` +
            `upstream ${fixed(direct.upstreamCpuMicrosPerToken, 0)} µs CPU/tok; bare node:http relay ` +
            `${fixed(bare.tokensPerSecond, 0)} tok/s (${ratio(bareRatio)}), ${fixed(bare.cpuMicrosPerToken, 0)} µs CPU/tok`,
          result:
            (roundRatios.length > 1
              ? `${ratio(tokensRatio)} (rounds ${roundRatios.map((each) => ratio(each)).join(', ')})`
              : ratio(tokensRatio)) +
            `, ${ratio(through.tokensPerSecond / bare.tokensPerSecond)} of the bare relay`,
          data: { level, tokensRatio, roundRatios, bareRatio },
        },
        c === 500 ? goals.tokensPerSecondC500 : undefined,
        tokensRatio,
      ),
    );
  }
  return rows;
}

/**
 * The fake upstream streaming alone at C=1 does the same work in every run, so its CPU per token tells how
 * costly waking a process is on the host at the time. On this kind of machine it has read from about 60 µs
 * to about 300 µs between runs of the same code; the relay and cache figures move with it, Parley's more
 * than its references', since an answer wakes more processes (the database) than a bare relay does.
 */
function hostGauge(level: RelayLevel, direct: RelayResult[]): ResultRow {
  const micros = pool(direct, level).upstreamCpuMicrosPerToken;
  return judged(
    {
      scenario: SCENARIO,
      figure: "host gauge: the fake upstream's own CPU per token, C=1, direct",
      parley: '',
      reference: `${fixed(micros, 0)} µs CPU/tok`,
      result: 'the same work in every run: higher on a busier host',
      data: { level, upstreamCpuMicrosPerToken: micros },
    },
    undefined,
    micros,
  );
}

interface Pooled {
  ttft: ReturnType<typeof summarize>;
  gap: ReturnType<typeof summarize>;
  total: ReturnType<typeof summarize>;
  tokensPerSecond: number;
  completed: number;
  failed: number;
  firstError: string | undefined;
  /** The relay's (Parley's or the bare one's) CPU per relayed token, and its share of one core over the rounds. */
  cpuMicrosPerToken: number;
  cpuShare: number;
  /** The fake upstream's own CPU per token: what producing a token costs, for scale. */
  upstreamCpuMicrosPerToken: number;
  rssPeakMiB: number;
  clientCpuShare: number;
}

/** Every round of one target taken together. */
function pool(results: RelayResult[], level: RelayLevel): Pooled {
  const charsPerToken = fakeAnswer(level.tokens).length / level.tokens;
  const windowSeconds = sum(results.map((result) => result.windowMs)) / 1000;
  const tokens = sum(results.map((result) => result.windowChars)) / charsPerToken;
  const relayCpuMs = sum(results.map((result) => result.watched.relay?.cpuMs ?? 0));
  const upstreamCpuMs = sum(results.map((result) => result.watched.upstream?.cpuMs ?? 0));
  const relayed = level.tokens * sum(results.map((result) => result.completed));
  const roundSeconds = (results.length * level.roundMs) / 1000;
  return {
    ttft: summarize(results.flatMap((result) => result.ttftMs)),
    gap: summarize(results.flatMap((result) => result.gapMs)),
    total: summarize(results.flatMap((result) => result.totalMs)),
    tokensPerSecond: tokens / windowSeconds,
    completed: sum(results.map((result) => result.completed)),
    failed: sum(results.map((result) => result.failed)),
    firstError: results.find((result) => result.firstError)?.firstError,
    cpuMicrosPerToken: (relayCpuMs * 1000) / relayed,
    cpuShare: relayCpuMs / 1000 / roundSeconds,
    upstreamCpuMicrosPerToken: (upstreamCpuMs * 1000) / relayed,
    rssPeakMiB: Math.max(...results.map((result) => result.watched.relay?.rssPeakKiB ?? 0)) / 1024,
    clientCpuShare: sum(results.map((result) => result.clientCpuMs)) / 1000 / roundSeconds,
  };
}

function failureNote(targets: [Pooled, string][]): string | undefined {
  const notes = targets
    .filter(([pooled]) => pooled.failed > 0)
    .map(
      ([pooled, what]) =>
        `${pooled.failed} of ${pooled.failed + pooled.completed} ${what} failed (${pooled.firstError})`,
    );
  return notes.length > 0 ? notes.join('; ') : undefined;
}
