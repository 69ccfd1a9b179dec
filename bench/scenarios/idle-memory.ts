import type { BenchContext } from '../harness/bench-context.ts';
import { anonymousHeaders } from '../harness/principals.ts';
import type { GcTarget } from '../load/collect-garbage.ts';
import type { IdleJob, IdleKind, IdleResult } from '../load/idle-load.ts';
import { count, kib, mib } from '../report/format.ts';
import { goals, judged, type ResultRow, unavailable } from '../report/result-row.ts';

const SCENARIO = 'idle memory';
// Longer than the scenario: the answers that subscribers follow stay live and silent throughout.
const SILENT_MS = 600_000;

interface Measured {
  pid: number;
  gc: GcTarget;
}

/**
 * Scenario 3: RSS of a fresh Parley as idle connections open, read from /proc by the load client, per SSE
 * subscriber (following live answers) and per socket, against a fresh bare server holding the same number.
 * Each reading is taken as it is and again after a full collection, asked of both servers the same way
 * (HeapProfiler.collectGarbage, which also gives back the young generation the opening grew); the figure is
 * the second, what the connections keep rather than the garbage opening them left.
 *
 * The figure is the cost of each connection opened between the last two checkpoints, not the whole rise
 * from none divided by the count: a process starts with freed but still resident malloc memory (Parley's
 * start-up leaves tens of MiB) that its first thousands of connections reuse without growing RSS, so the
 * average from none understates what a connection keeps, by as much as that slack happens to be. The
 * average is shown beside it.
 */
export async function runIdleMemoryScenario(ctx: BenchContext): Promise<ResultRow[]> {
  const { checkpoints, liveStreams, settleMs } = ctx.plan.idle;
  const connections = count(checkpoints.at(-1) ?? 0);
  const idle = (kind: IdleKind, urls: string[], headers: Record<string, string>, measured: Measured) =>
    ctx.load<IdleResult>({
      kind: 'idle',
      connection: kind,
      urls,
      headers,
      checkpoints,
      settleMs,
      pid: measured.pid,
      gc: measured.gc,
    } satisfies IdleJob);

  ctx.progress(`idle memory: ${connections} SSE subscribers on Parley`);
  await ctx.upstream.setShape({ tokens: 1, firstTokenDelayMs: SILENT_MS, interTokenDelayMs: 0 });
  const sse = await withParley(ctx, 'idle-sse', async (parley) => {
    const owner = anonymousHeaders();
    const { streamIds } = await ctx.load<{ streamIds: string[] }>({
      kind: 'start-answers',
      url: parley.url,
      headers: owner,
      model: 'local/fake-model',
      count: liveStreams,
    });
    const urls = streamIds.map((id) => `${parley.url}/api/streams/${id}`);
    return idle('sse', urls, owner, parley);
  });
  ctx.progress(`idle memory: ${connections} sockets on Parley`);
  const sockets: Record<'socket.io' | 'ws', IdleResult> = {
    'socket.io': await withParley(ctx, 'idle-socket-io', (parley) =>
      idle('socket.io', [`${parley.url}/chats`], {}, parley),
    ),
    ws: await withParley(ctx, 'idle-ws', (parley) =>
      idle('ws', [`${parley.url.replace('http', 'ws')}/ws`], {}, parley),
    ),
  };

  ctx.progress('idle memory: the same on the bare server');
  const bareSse = await withBare(ctx, (bare) => idle('sse', [`${bare.url}/idle`], {}, bare));
  const bareWs = await withBare(ctx, (bare) => idle('ws', [bare.url.replace('http', 'ws')], {}, bare));

  const rows = [
    judged(
      {
        scenario: SCENARIO,
        ...perConnection(
          `memory per idle SSE subscriber, ${connections} following live answers`,
          sse,
          bareSse,
        ),
      },
      goals.idleSubscriberKiB,
      kibPerConnection(sse),
    ),
    rssAt(checkpoints[0] ?? 0, sse, bareSse),
  ];
  for (const kind of ['socket.io', 'ws'] as const) {
    const figure = `memory per idle ${kind === 'ws' ? '/ws' : 'socket.io /chats'} connection, ${connections}`;
    const result = sockets[kind];
    rows.push(
      result.available
        ? judged(
            { scenario: SCENARIO, ...perConnection(figure, result, bareWs) },
            undefined,
            kibPerConnection(result),
          )
        : unavailable(SCENARIO, figure, `this build does not serve it (${result.reason})`),
    );
  }
  return rows;
}

/** A fresh Parley with its inspector open (for the collections), stopped after `use`. */
async function withParley<T>(
  ctx: BenchContext,
  name: string,
  use: (parley: Measured & { url: string }) => Promise<T>,
): Promise<T> {
  const database = await ctx.newDatabase();
  const parley = await ctx.startParley(
    name,
    { ...database.env, PROVIDER_FIRST_TOKEN_TIMEOUT_MS: String(SILENT_MS * 2) },
    { inspect: true },
  );
  try {
    if (!parley.inspectorUrl) {
      throw new Error(`parley "${name}" did not say where its inspector listens`);
    }
    return await use({ url: parley.url, pid: parley.pid, gc: { inspectorUrl: parley.inspectorUrl } });
  } finally {
    await parley.stop();
  }
}

/** A fresh bare server for one reading, as each Parley reading gets a fresh Parley. */
async function withBare<T>(
  ctx: BenchContext,
  use: (bare: Measured & { url: string }) => Promise<T>,
): Promise<T> {
  const bare = await ctx.startBare();
  try {
    return await use({ url: bare.url, pid: bare.pid, gc: { url: `${bare.url}/gc` } });
  } finally {
    await bare.stop();
  }
}

/**
 * RSS per connection opened between the last two readings, after a full collection (`raw`: as it was,
 * garbage and all).
 */
function kibPerConnection(result: IdleResult, raw = false): number {
  const [from, to] = result.samples.slice(-2);
  if (!from || !to || to.connections <= from.connections) {
    return Number.NaN;
  }
  const rise = raw ? to.rssKiB - from.rssKiB : to.collectedRssKiB - from.collectedRssKiB;
  return rise / (to.connections - from.connections);
}

/** After-GC RSS per connection from none, at each checkpoint. */
function perCheckpoint(result: IdleResult): { connections: number; kib: number }[] {
  const base = result.samples[0]?.collectedRssKiB ?? Number.NaN;
  return result.samples.slice(1).map((sample) => ({
    connections: sample.connections,
    kib: (sample.collectedRssKiB - base) / sample.connections,
  }));
}

/** Where the figure is read: "from 5,000 to 10,000". */
function span(result: IdleResult): string {
  const [from, to] = result.samples.slice(-2);
  return `from ${count(from?.connections ?? Number.NaN)} to ${count(to?.connections ?? Number.NaN)}`;
}

function perConnection(figure: string, parley: IdleResult, bare: IdleResult) {
  const value = kibPerConnection(parley);
  const reference = kibPerConnection(bare);
  const closed = [parley, bare].flatMap((result) =>
    result.samples.filter((sample) => sample.open < sample.connections),
  );
  const first = parley.samples[0]?.collectedRssKiB ?? Number.NaN;
  const last = parley.samples.at(-1)?.collectedRssKiB ?? Number.NaN;
  const average = (result: IdleResult) =>
    perCheckpoint(result)
      .map((point) => `${kib(point.kib)} at ${count(point.connections)}`)
      .join(', ');
  return {
    figure,
    parley:
      `${kib(value)} each ${span(parley)} after GC (${kib(kibPerConnection(parley, true))} before); ` +
      `on average from none ${average(parley)}; RSS ${mib(first)} -> ${mib(last)}`,
    reference: `bare ${kib(reference)} each ${span(bare)} after GC; on average from none ${average(bare)}`,
    result: `${(value / reference).toFixed(2)}x bare`,
    data: {
      value,
      reference,
      parley: parley.samples,
      bare: bare.samples,
      perCheckpoint: { parley: perCheckpoint(parley), bare: perCheckpoint(bare) },
      connectMs: parley.connectMs,
    },
    ...(closed.length > 0 && {
      note: `connections closed before their RSS was read: ${closed.map((sample) => `${sample.open} of ${sample.connections} open`).join(', ')}`,
    }),
  };
}

/** Issue 2's figure: the whole RSS with 1,000 idle subscribers (the first checkpoint: 5,000 in quick mode). */
function rssAt(connections: number, parley: IdleResult, bare: IdleResult): ResultRow {
  const at = (result: IdleResult) =>
    result.samples.find((sample) => sample.connections === connections)?.collectedRssKiB ?? Number.NaN;
  const none = (result: IdleResult) => result.samples[0]?.collectedRssKiB ?? Number.NaN;
  return judged(
    {
      scenario: SCENARIO,
      figure: `RSS with ${count(connections)} idle SSE subscribers`,
      parley: `${mib(at(parley))} after GC (${mib(none(parley))} with none)`,
      reference: `bare ${mib(at(bare))} (${mib(none(bare))} with none)`,
      result: '',
      data: { parley: at(parley), bare: at(bare) },
    },
    undefined,
    Number.NaN,
  );
}
