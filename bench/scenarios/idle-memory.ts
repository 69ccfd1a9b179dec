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
 * Each reading is taken as it is and again after a full collection (Parley's inspector, the bare server's
 * gc()); the figure is the second, what the connections keep rather than the garbage opening them left.
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
    rssAt(1000, sse, bareSse),
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

/** RSS per connection after a full collection at both ends (`raw`: as it was, garbage and all). */
function kibPerConnection(result: IdleResult, raw = false): number {
  const first = result.samples[0];
  const last = result.samples.at(-1);
  if (!first || !last || last.connections === 0) {
    return Number.NaN;
  }
  return raw
    ? (last.rssKiB - first.rssKiB) / last.connections
    : (last.collectedRssKiB - first.collectedRssKiB) / last.connections;
}

/** After-GC RSS per connection at each checkpoint, from the baseline. */
function perCheckpoint(result: IdleResult): { connections: number; kib: number }[] {
  const base = result.samples[0]?.collectedRssKiB ?? Number.NaN;
  return result.samples.slice(1).map((sample) => ({
    connections: sample.connections,
    kib: (sample.collectedRssKiB - base) / sample.connections,
  }));
}

function perConnection(figure: string, parley: IdleResult, bare: IdleResult) {
  const value = kibPerConnection(parley);
  const reference = kibPerConnection(bare);
  const closed = [parley, bare].flatMap((result) =>
    result.samples.filter((sample) => sample.open < sample.connections),
  );
  const first = parley.samples[0]?.collectedRssKiB ?? Number.NaN;
  const last = parley.samples.at(-1)?.collectedRssKiB ?? Number.NaN;
  const earlier = perCheckpoint(parley)
    .slice(0, -1)
    .map((point) => `${kib(point.kib)} at ${count(point.connections)}`);
  return {
    figure,
    parley:
      `${kib(value)} after GC (${kib(kibPerConnection(parley, true))} before), RSS ${mib(first)} -> ${mib(last)}` +
      (earlier.length > 0 ? `; ${earlier.join(', ')}` : ''),
    reference: `bare ${kib(reference)} after GC (${kib(kibPerConnection(bare, true))} before)`,
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

/** Issue 2's figure: the whole RSS with 1,000 idle subscribers. */
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
