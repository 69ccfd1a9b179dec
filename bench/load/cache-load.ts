import { Agent } from 'node:http';
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
}

export interface CacheResult {
  /** Answers whose `start` said `cached: true` (the repeats, when a cache is there). */
  hits: number;
  /** Request to first text of each repeat that was a hit, and of each first ask (a miss). */
  hitTtftMs: number[];
  missTtftMs: number[];
  /** Request to first text from the bare server, which has its answer before it is asked. */
  bareTtftMs: number[];
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
    failed: 0,
    firstError: undefined,
  };
  for (let sample = 0; sample < job.samples; sample++) {
    const body = { content: `Cache probe ${sample} ${Date.now()}`, model: job.model, temperature: 0 };
    const asks = [
      `${job.url}/api/chats/${chats[sample * 2]}/messages`,
      `${job.url}/api/chats/${chats[sample * 2 + 1]}/messages`,
      `${job.bareUrl}/answer`,
    ];
    for (const [index, url] of asks.entries()) {
      try {
        const { cached, ttftMs } = await withTimeout(
          askOnce(url, job.headers, body, agent),
          60_000,
          'a cache probe',
        );
        if (index === 2) {
          result.bareTtftMs.push(ttftMs);
        } else if (cached) {
          result.hits++;
          result.hitTtftMs.push(ttftMs);
        } else if (index === 0) {
          result.missTtftMs.push(ttftMs);
        }
      } catch (error) {
        result.failed++;
        result.firstError ??= String(error);
      }
    }
  }
  agent.destroy();
  return result;
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
