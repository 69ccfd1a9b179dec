import type { BenchPlan } from '../bench-plan.ts';
import type { BenchContext } from '../harness/bench-context.ts';
import { anonymousHeaders } from '../harness/principals.ts';
import type { FanOutJob, FanOutResult } from '../load/fan-out-load.ts';
import { FIRST_TOKEN_DELAY_HEADER } from '../processes/fake-upstream-process.ts';
import { count, fixed, ratio } from '../report/format.ts';
import { goals, judged, type ResultRow } from '../report/result-row.ts';
import { sum } from '../report/stats.ts';
import { rotate } from './rotate.ts';

const SCENARIO = 'fan-out';
// A round whose events began before every subscriber was open is run again, with a longer head start.
const MAX_ATTEMPTS = 3;

/**
 * Scenario 2: one answer followed live by N subscribers (GET /api/streams/:id), against the bare server
 * relaying the same upstream stream to N connections. Each token is its own event on both sides
 * (BATCH_WINDOW_MS=0). An unpaced upstream sends as fast as it can, so both deliver at their limit (and
 * both write many events per syscall); a paced one sends a token at a time, one event per write.
 */
export async function runFanOutScenario(ctx: BenchContext): Promise<ResultRow[]> {
  const database = await ctx.newDatabase();
  // No keep-alive pings (which renew the lease, so it lasts longer too): one during the head start would
  // count as the first event of the round.
  const parley = await ctx.startParley('fan-out', {
    ...database.env,
    BATCH_WINDOW_MS: '0',
    PING_INTERVAL_MS: '600000',
    LEASE_TTL_MS: '1200000',
  });
  const owner = anonymousHeaders();
  const rows: ResultRow[] = [];
  try {
    for (const level of ctx.plan.fanOut) {
      const results: Record<'parley' | 'bare', FanOutResult[]> = { parley: [], bare: [] };
      // The head start the upstream gives Parley's subscribers to open, learnt from each round.
      let headStartMs = 1500 + level.subscribers;
      for (let round = 0; round < ctx.plan.rounds; round++) {
        for (const server of rotate(['parley', 'bare'] as const, round)) {
          ctx.progress(
            `fan-out ${level.subscribers} subscribers round ${round + 1}/${ctx.plan.rounds}: ${server}`,
          );
          for (let attempt = 1; ; attempt++) {
            await ctx.upstream.setShape({
              tokens: level.tokens,
              firstTokenDelayMs: server === 'parley' ? headStartMs : 0,
              interTokenDelayMs: level.interTokenDelayMs,
            });
            const job: FanOutJob = {
              kind: 'fan-out',
              server,
              url: server === 'parley' ? parley.url : ctx.bare.url,
              headers: owner,
              model: 'local/fake-model',
              subscribers: level.subscribers,
              upstream: {
                url: `${ctx.upstream.url}/v1/chat/completions`,
                body: {
                  model: 'fake-model',
                  stream: true,
                  messages: [{ role: 'user', content: 'Fan this out.' }],
                },
                headers: { [FIRST_TOKEN_DELAY_HEADER]: '0' },
              },
              timeoutMs: 120_000,
              watch: { server: server === 'parley' ? parley.pid : ctx.bare.pid, upstream: ctx.upstream.pid },
            };
            const result = await ctx.load<FanOutResult>(job);
            if (server === 'parley') {
              headStartMs = Math.max(1000, Math.round(result.connectMs * 1.5) + 500);
            }
            if (!result.startedEarly || attempt === MAX_ATTEMPTS) {
              results[server].push(result);
              break;
            }
          }
        }
      }
      rows.push(level.interTokenDelayMs === 0 ? saturatedRow(level, results) : pacedRow(level, results));
    }
    return rows;
  } finally {
    await parley.stop();
  }
}

type Level = BenchPlan['fanOut'][number];

/**
 * The load client has one core, like the server; when it is near its own limit the measured events/s says
 * more about it than about the server. So the row is judged on the lower of the measured ratio and the
 * ratio of delivery capacity (events per second of server CPU).
 */
function saturatedRow(level: Level, results: Record<'parley' | 'bare', FanOutResult[]>): ResultRow {
  const parley = pool(results.parley);
  const bare = pool(results.bare);
  const measured = parley.eventsPerSecond / bare.eventsPerSecond;
  const capacity = bare.cpuMicrosPerEvent / parley.cpuMicrosPerEvent;
  const value = Math.min(measured, capacity);
  return judged(
    {
      scenario: SCENARIO,
      figure: `fan-out events/s vs bare Node, ${count(level.subscribers)} subscribers`,
      parley: `${count(parley.eventsPerSecond)} events/s, ${fixed(parley.cpuMicrosPerEvent, 2)} µs CPU/event`,
      reference: `bare ${count(bare.eventsPerSecond)} events/s, ${fixed(bare.cpuMicrosPerEvent, 2)} µs CPU/event`,
      result: `${ratio(measured)} measured, ${ratio(capacity)} per CPU`,
      data: { level, measured, capacity, value, parley, bare },
      ...problems(parley, bare),
    },
    level.subscribers === 1000 ? goals.fanOut1000 : undefined,
    value,
  );
}

/** At a pace both keep up with, events/s is the source's; what differs is the CPU each delivery costs. */
function pacedRow(level: Level, results: Record<'parley' | 'bare', FanOutResult[]>): ResultRow {
  const parley = pool(results.parley);
  const bare = pool(results.bare);
  const value = bare.cpuMicrosPerEvent / parley.cpuMicrosPerEvent;
  return judged(
    {
      scenario: SCENARIO,
      figure: `fan-out capacity, one event per write, ${count(level.subscribers)} subscribers`,
      parley: `${fixed(parley.cpuMicrosPerEvent, 2)} µs CPU/event (${count(1e6 / parley.cpuMicrosPerEvent)} events/s per core)`,
      reference: `bare ${fixed(bare.cpuMicrosPerEvent, 2)} µs CPU/event (${count(1e6 / bare.cpuMicrosPerEvent)}/s per core)`,
      result: ratio(value),
      data: { level, value, parley, bare },
      ...problems(parley, bare),
    },
    undefined,
    value,
  );
}

function problems(parley: ReturnType<typeof pool>, bare: ReturnType<typeof pool>): { note?: string } {
  const found = [
    parley.incomplete > 0 && `${parley.incomplete} Parley subscribers missed events`,
    bare.incomplete > 0 && `${bare.incomplete} bare subscribers missed events`,
    parley.startedEarly > 0 && `${parley.startedEarly} Parley rounds began before every subscriber was open`,
  ].filter(Boolean);
  return found.length > 0 ? { note: found.join('; ') } : {};
}

function pool(results: FanOutResult[]) {
  const events = sum(results.map((result) => result.events));
  const cpuMs = sum(results.map((result) => result.watched.server?.cpuMs ?? 0));
  return {
    eventsPerSecond: events / (sum(results.map((result) => result.deliveryMs)) / 1000),
    cpuMicrosPerEvent: (cpuMs * 1000) / events,
    eventsPerSubscriber: results[0]?.eventsPerSubscriber ?? 0,
    incomplete: sum(results.map((result) => result.incomplete)),
    startedEarly: results.filter((result) => result.startedEarly).length,
    connectMs: results.map((result) => Math.round(result.connectMs)),
    /** The load client's CPU over the delivery: near 1 means the client, not the server, set the pace. */
    clientCpuShare:
      sum(results.map((result) => result.clientCpuMs)) / sum(results.map((result) => result.deliveryMs)),
  };
}
