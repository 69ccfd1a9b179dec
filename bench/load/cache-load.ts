import { Agent } from 'node:http';
import { rotate } from '../scenarios/rotate.ts';
import { createChats } from './create-chats.ts';
import { openSse } from './open-sse.ts';
import { withTimeout } from './with-timeout.ts';

export interface CacheJob {
  kind: 'cache';
  url: string;
  headers: Record<string, string>;
  model: string;
  samples: number;
  /** The bare server, asked the same way after each repeat: the floor of a cache hit on this machine. */
  bareUrl: string;
  /**
   * Parley's PostgreSQL database, when it has one: the bare server is also asked to save a row there before it
   * answers, the floor of a hit whose prompt is saved first.
   */
  databaseUrl: string | undefined;
}

export interface CacheResult {
  /** Answers whose `start` said `cached: true` (the repeats, when a cache is there). */
  hits: number;
  /** Request to first text of each repeat that was a hit, and of each first ask (a miss). */
  hitTtftMs: number[];
  missTtftMs: number[];
  /** Request to first text from the bare server, which has its answer before it is asked. */
  bareTtftMs: number[];
  /** The same, when the bare server first commits one row in PostgreSQL (with `databaseUrl` only). */
  bareSavedTtftMs: number[];
  failed: number;
  firstError: string | undefined;
}

/**
 * Asks each deterministic question (temperature 0) twice, in two chats: the first ask fills the response
 * cache, the second should be served from it. `start` says which it was.
 */
export async function runCacheLoad(job: CacheJob): Promise<CacheResult> {
  const chats = await createChats(job.url, job.headers, job.samples * 2);
  // One kept-alive connection, as a browser tab has: a TCP handshake per question would be timed with it.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const result: CacheResult = {
    hits: 0,
    hitTtftMs: [],
    missTtftMs: [],
    bareTtftMs: [],
    bareSavedTtftMs: [],
    failed: 0,
    firstError: undefined,
  };
  const recordHit = (ttftMs: number) => {
    result.hits++;
    result.hitTtftMs.push(ttftMs);
  };
  for (let sample = 0; sample < job.samples; sample++) {
    const body = { content: `Cache probe ${sample} ${Date.now()}`, model: job.model, temperature: 0 };
    const miss: Ask = {
      url: `${job.url}/api/chats/${chats[sample * 2]}/messages`,
      headers: job.headers,
      record: (ttftMs, cached) => {
        if (cached) {
          recordHit(ttftMs);
        } else {
          result.missTtftMs.push(ttftMs);
        }
      },
    };
    const probes: Ask[] = [
      {
        url: `${job.url}/api/chats/${chats[sample * 2 + 1]}/messages`,
        headers: job.headers,
        record: (ttftMs, cached) => {
          if (cached) {
            recordHit(ttftMs);
          }
        },
      },
      {
        url: `${job.bareUrl}/answer`,
        headers: {},
        record: (ttftMs) => {
          result.bareTtftMs.push(ttftMs);
        },
      },
    ];
    if (job.databaseUrl) {
      probes.push({
        url: `${job.bareUrl}/answer-saved`,
        headers: { 'x-database-url': job.databaseUrl },
        record: (ttftMs) => {
          result.bareSavedTtftMs.push(ttftMs);
        },
      });
    }
    // The repeat and its references take turns at following the miss, whose saving and caching run on after its
    // last byte: whichever came first would share the machine with that work every time.
    const asks = [miss, ...rotate(probes, sample)];
    for (const ask of asks) {
      try {
        const { cached, ttftMs } = await withTimeout(
          askOnce(ask.url, ask.headers, body, agent),
          60_000,
          'a cache probe',
        );
        ask.record(ttftMs, cached);
      } catch (error) {
        result.failed++;
        result.firstError ??= String(error);
      }
    }
  }
  agent.destroy();
  return result;
}

/** One POST of a probe, and where its time goes. */
interface Ask {
  url: string;
  headers: Record<string, string>;
  record(ttftMs: number, cached: boolean): void;
}

/** Posts one message and times it to its first `text` event; `start` says whether it came from a cache. */
async function askOnce(
  url: string,
  headers: Record<string, string>,
  body: Record<string, unknown>,
  agent: Agent,
): Promise<{ cached: boolean; ttftMs: number }> {
  const sentAt = performance.now();
  let cached = false;
  const firstText = Promise.withResolvers<number>();
  firstText.promise.catch(() => undefined);
  const connection = openSse({ url, method: 'POST', headers, body, agent }, (event, at) => {
    if (event.event === 'start') {
      cached = (JSON.parse(event.data) as { cached: boolean }).cached;
    } else if (event.event === 'text') {
      firstText.resolve(at - sentAt);
    } else if (event.event === 'end') {
      firstText.reject(new Error('an answer without text'));
    }
  });
  connection.done.then(
    () => firstText.reject(new Error('the stream ended before its first text')),
    (error: unknown) => firstText.reject(error),
  );
  const ttftMs = await firstText.promise;
  await connection.done;
  return { cached, ttftMs };
}
