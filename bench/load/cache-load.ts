import { Agent } from 'node:http';
import { createChats } from './create-chats.ts';
import { startAnswer } from './start-answer.ts';
import { withTimeout } from './with-timeout.ts';

export interface CacheJob {
  kind: 'cache';
  url: string;
  headers: Record<string, string>;
  model: string;
  samples: number;
}

export interface CacheResult {
  /** Answers whose `start` said `cached: true` (the repeats, when a cache is there). */
  hits: number;
  /** Request to first text of each repeat that was a hit, and of each first ask (a miss). */
  hitTtftMs: number[];
  missTtftMs: number[];
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
  const result: CacheResult = { hits: 0, hitTtftMs: [], missTtftMs: [], failed: 0, firstError: undefined };
  for (let sample = 0; sample < job.samples; sample++) {
    const content = `Cache probe ${sample} ${Date.now()}`;
    for (const repeat of [false, true]) {
      try {
        const { cached, ttftMs } = await withTimeout(
          askOnce(job, agent, chats[sample * 2 + Number(repeat)] ?? '', content),
          60_000,
          'a cache probe',
        );
        if (cached) {
          result.hits++;
          result.hitTtftMs.push(ttftMs);
        } else if (!repeat) {
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

async function askOnce(
  job: CacheJob,
  agent: Agent,
  chatId: string,
  content: string,
): Promise<{ cached: boolean; ttftMs: number }> {
  const sentAt = performance.now();
  let cached = false;
  const firstText = Promise.withResolvers<number>();
  firstText.promise.catch(() => undefined);
  const answer = await startAnswer({
    url: job.url,
    headers: job.headers,
    chatId,
    body: { content, model: job.model, temperature: 0 },
    agent,
    onEvent(event, at) {
      if (event.event === 'start') {
        cached = (JSON.parse(event.data) as { cached: boolean }).cached;
      } else if (event.event === 'text') {
        firstText.resolve(at - sentAt);
      } else if (event.event === 'end') {
        firstText.reject(new Error('an answer without text'));
      }
    },
  });
  const ttftMs = await firstText.promise;
  await answer.connection.done;
  return { cached, ttftMs };
}
