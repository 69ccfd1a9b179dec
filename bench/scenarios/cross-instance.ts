import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { BenchContext } from '../harness/bench-context.ts';
import { anonymousHeaders } from '../harness/principals.ts';
import { startInstancePair } from '../harness/start-instance-pair.ts';
import type { DeliveryResult } from '../load/delivery-load.ts';
import type { NotifyResult } from '../load/notify-load.ts';
import { count, fixed, p50p99 } from '../report/format.ts';
import { judged, type ResultRow, unavailable } from '../report/result-row.ts';
import { summarize } from '../report/stats.ts';

const SCENARIO = 'cross-instance';

/**
 * Issue 4 and 5's figures across two instances on one Redis: how much later a subscriber on the other
 * instance gets each event, how much later a socket there hears an answer ended, and what an active
 * stream costs in Redis memory.
 */
export async function runCrossInstanceScenario(ctx: BenchContext): Promise<ResultRow[]> {
  const figures = [
    'extra delivery latency, subscriber on another instance',
    'extra notification latency, socket on another instance',
    'Redis memory per active stream',
  ];
  if (!ctx.redisUrl) {
    return figures.map((figure) => unavailable(SCENARIO, figure, 'REDIS_URL is not set'));
  }
  const pair = await startInstancePair(ctx, 'cross', { BATCH_WINDOW_MS: '0' });
  try {
    const owner = anonymousHeaders();
    ctx.progress('cross-instance: delivery to a subscriber on the other instance');
    await ctx.upstream.setShape(ctx.plan.delivery);
    const delivery = await ctx.load<DeliveryResult>({
      kind: 'delivery',
      nearUrl: pair.a.url,
      farUrl: pair.b.url,
      headers: owner,
      model: 'local/fake-model',
      answers: ctx.plan.delivery.answers,
    });
    ctx.progress('cross-instance: notifications to a socket on the other instance');
    const notify = await ctx.load<NotifyResult>({
      kind: 'notify',
      nearUrl: pair.a.url,
      farUrl: pair.b.url,
      anonId: owner['x-anon-id'] ?? '',
      model: 'local/fake-model',
      answers: ctx.plan.delivery.answers,
    });
    ctx.progress('cross-instance: Redis memory of active streams');
    const memory = await measureStreamMemory(ctx, pair.a.url, pair.prefix);
    return [deliveryRow(delivery), notifyRow(notify), memory];
  } finally {
    await pair.stop();
  }
}

function deliveryRow(result: DeliveryResult): ResultRow {
  const extra = summarize(result.extraMs);
  return judged(
    {
      scenario: SCENARIO,
      figure: 'extra delivery latency, subscriber on another instance',
      parley: p50p99(extra),
      reference: 'a subscriber on the generating instance (0 by definition)',
      result: `${count(extra.n)} events`,
      data: { extra, failed: result.failed },
      ...(result.failed > 0 && { note: `${result.failed} answers failed (${result.firstError})` }),
    },
    undefined,
    extra.p50,
  );
}

function notifyRow(result: NotifyResult): ResultRow {
  const figure = 'extra notification latency, socket on another instance';
  if (!result.available) {
    return unavailable(SCENARIO, figure, `the socket.io namespace is not there (${result.reason})`);
  }
  const extra = summarize(result.extraMs);
  const afterEnd = summarize(result.afterEndMs);
  return judged(
    {
      scenario: SCENARIO,
      figure,
      parley: `stream_ended ${p50p99(extra)} after the same-instance socket`,
      reference: `socket on the generating instance; ${p50p99(afterEnd)} after the SSE end event`,
      result: `${count(extra.n)} answers`,
      data: { extra, afterEnd, failed: result.failed },
      ...(result.failed > 0 && { note: `${result.failed} answers failed (${result.firstError})` }),
    },
    undefined,
    extra.p50,
  );
}

/** Starts answers that keep streaming, then reads their keys' MEMORY USAGE and their payload from Redis. */
async function measureStreamMemory(ctx: BenchContext, url: string, prefix: string): Promise<ResultRow> {
  const plan = ctx.plan.redisMemory;
  await ctx.upstream.setShape(plan);
  const owner = anonymousHeaders();
  await ctx.load({
    kind: 'start-answers',
    url,
    headers: owner,
    model: 'local/fake-model',
    count: plan.streams,
  });
  await sleep(plan.readAfterMs);
  const redis = new Redis(ctx.redisUrl ?? '', { maxRetriesPerRequest: 1 });
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(
        cursor,
        'MATCH',
        `${prefix}user:{anon:${owner['x-anon-id']}}:chat:*`,
        'COUNT',
        1000,
      );
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    let bytes = 0;
    let events = 0;
    let payload = 0;
    for (const key of keys) {
      bytes += Number(await redis.memory('USAGE', key, 'SAMPLES', 0));
      const entries = await redis.xrange(key, '-', '+');
      events += entries.length;
      for (const [id, fields] of entries) {
        payload += id.length + fields.reduce((total, field) => total + Buffer.byteLength(field), 0);
      }
    }
    const perStream = bytes / keys.length;
    return judged(
      {
        scenario: SCENARIO,
        figure: 'Redis memory per active stream',
        parley: `${count(perStream)} bytes (${fixed(events / keys.length, 0)} events so far, ${fixed(bytes / events, 0)} bytes/event)`,
        reference: `payload ${fixed(payload / events, 0)} bytes/event (ids and fields)`,
        result: `${fixed(bytes / payload, 2)}x payload`,
        data: { streams: keys.length, bytes, events, payload },
      },
      undefined,
      perStream,
    );
  } finally {
    redis.disconnect();
  }
}
