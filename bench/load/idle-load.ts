import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { io } from 'socket.io-client';
import { WebSocket } from 'ws';
import { collectGarbage, type GcTarget } from './collect-garbage.ts';
import { limitParallel } from './limit-parallel.ts';
import { assertLoopback, openSse } from './open-sse.ts';
import { readRssKiB } from './proc-stats.ts';
import { withTimeout } from './with-timeout.ts';

/** What kind of idle connection a memory figure is about. */
export type IdleKind = 'sse' | 'socket.io' | 'ws';

export interface IdleJob {
  kind: 'idle';
  connection: IdleKind;
  /** SSE: the streams to follow, spread round robin. socket.io: the namespace URL. ws: the WebSocket URL. */
  urls: string[];
  headers: Record<string, string>;
  /** RSS is read once this many connections are open (and settled), for each number in turn. */
  checkpoints: number[];
  settleMs: number;
  pid: number;
  /** Collects the process's garbage before each reading, which is then taken again. */
  gc: GcTarget;
}

export interface IdleResult {
  available: boolean;
  reason: string | undefined;
  /**
   * RSS of the watched process with this many idle connections open (the first is the baseline): as it was,
   * and after a full garbage collection (the lowest in the moments after it).
   */
  samples: { connections: number; open: number; rssKiB: number; collectedRssKiB: number }[];
  connectMs: number;
}

const CONNECT_PARALLEL = 128;
const CONNECT_TIMEOUT_MS = 10_000;
const RSS_SAMPLE_MS = 50;

interface Opened {
  isOpen(): boolean;
  close(): void;
}

/** Opens idle connections up to each checkpoint and reads the server's RSS there, from /proc. */
export async function runIdleLoad(job: IdleJob): Promise<IdleResult> {
  for (const url of job.urls) {
    assertLoopback(url.replace(/^ws/, 'http'));
  }
  const open: Opened[] = [];
  try {
    // One connection first: a server without this surface answers it with an error, not a figure.
    const probe = await connect(job, 0).catch((error: unknown) => String(error));
    if (typeof probe === 'string') {
      return { available: false, reason: probe, samples: [], connectMs: 0 };
    }
    probe.close();
    const read = async () => {
      await sleep(job.settleMs);
      const rssKiB = readRssKiB(job.pid);
      await collectGarbage(job.gc);
      return {
        connections: open.length,
        open: open.filter((connection) => connection.isOpen()).length,
        rssKiB,
        collectedRssKiB: await lowestRssKiB(job.pid, job.settleMs),
      };
    };
    const samples = [await read()];
    let connectMs = 0;
    for (const checkpoint of job.checkpoints) {
      const from = open.length;
      const started = performance.now();
      await limitParallel(checkpoint - from, CONNECT_PARALLEL, async (offset) => {
        open.push(await connect(job, from + offset));
      });
      connectMs += performance.now() - started;
      samples.push(await read());
    }
    return { available: true, reason: undefined, samples, connectMs };
  } finally {
    for (const connection of open) {
      connection.close();
    }
  }
}

/**
 * The lowest RSS over `ms` after a collection. Pages the collection freed may take a moment to leave, while a
 * server that keeps working regrows its young generation within a second or two (Parley pings the
 * subscribers of each live answer every few seconds): a single late reading counts megabytes of fresh garbage
 * as if the connections kept them, and more or fewer from one reading to the next.
 */
async function lowestRssKiB(pid: number, ms: number): Promise<number> {
  let lowest = readRssKiB(pid);
  for (const end = performance.now() + ms; performance.now() < end; ) {
    await sleep(RSS_SAMPLE_MS);
    lowest = Math.min(lowest, readRssKiB(pid));
  }
  return lowest;
}

function connect(job: IdleJob, index: number): Promise<Opened> {
  const url = job.urls[index % job.urls.length] ?? '';
  if (job.connection === 'sse') {
    const connection = openSse({ url, headers: job.headers, agent: false }, () => undefined);
    let isOpen = true;
    connection.done.then(
      () => {
        isOpen = false;
      },
      () => {
        isOpen = false;
      },
    );
    return settle(
      connection.opened.then(() => ({ isOpen: () => isOpen, close: () => connection.close() })),
      () => connection.close(),
    );
  }
  if (job.connection === 'ws') {
    const separator = url.includes('?') ? '&' : '?';
    const ws = new WebSocket(`${url}${separator}anonId=${randomUUID()}`, { perMessageDeflate: false });
    return settle(
      new Promise((resolve, reject) => {
        ws.once('open', () =>
          resolve({ isOpen: () => ws.readyState === WebSocket.OPEN, close: () => ws.terminate() }),
        );
        ws.once('error', reject);
        ws.once('unexpected-response', (_request, response) =>
          reject(new Error(`WebSocket upgrade refused with ${response.statusCode}`)),
        );
      }),
      () => ws.terminate(),
    );
  }
  const socket = io(url, {
    auth: { anonId: randomUUID() },
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  return settle(
    new Promise((resolve, reject) => {
      socket.once('connect', () => resolve({ isOpen: () => socket.connected, close: () => socket.close() }));
      socket.once('connect_error', (error) => reject(new Error(`socket.io connect_error: ${error.message}`)));
    }),
    () => socket.close(),
  );
}

/** Gives up on a connection that neither opens nor fails in time. */
async function settle(opening: Promise<Opened>, abandon: () => void): Promise<Opened> {
  try {
    return await withTimeout(opening, CONNECT_TIMEOUT_MS, 'an idle connection');
  } catch (error) {
    abandon();
    throw error;
  }
}
