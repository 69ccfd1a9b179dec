import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { LoggedEvent, StreamEvent } from '../../../protocol/events.ts';
import { createTestRedis, testRedisSkip } from '../testing/test-redis.ts';
import { createRedisStreamLog } from './redis-stream-log.ts';
import { streamLogContract } from './stream-log.contract.ts';

streamLogContract(
  'redis',
  async (options) => {
    const scratch = createTestRedis();
    const log = createRedisStreamLog({ redis: scratch.connect(), prefix: scratch.prefix, ...options });
    return {
      log,
      async cleanup() {
        await log.close();
        await scratch.cleanup();
      },
    };
  },
  { skip: testRedisSkip },
);

const start: StreamEvent = {
  type: 'start',
  data: {
    streamId: 's',
    chatId: 'c',
    messageId: 's',
    userMessageId: 'u',
    model: 'demo',
    cached: false,
    createdAt: '2025-01-01T00:00:00.000Z',
  },
};
const text: StreamEvent = { type: 'text', data: { text: 'héllo "world"\n' } };
const end: StreamEvent = { type: 'end', data: { status: 'complete', finishReason: 'stop' } };

async function firstEvent(events: AsyncIterable<LoggedEvent>): Promise<LoggedEvent | undefined> {
  for await (const event of events) {
    return event;
  }
  return undefined;
}

describe('createRedisStreamLog', { skip: testRedisSkip, timeout: 60_000 }, () => {
  const scratch = createTestRedis();
  const { prefix } = scratch;
  const options = { prefix, maxLength: 100, ttlAfterEndMs: 60_000 };
  let redis: Redis;

  before(() => {
    redis = scratch.connect();
  });

  after(() => scratch.cleanup());

  test('writes one hash-tagged stream per id, fields type and data, with a TTL set by end', async () => {
    const log = createRedisStreamLog({ redis, ...options });
    const streamId = randomUUID();
    const key = `${prefix}stream:{${streamId}}`;
    const id = await log.append(streamId, text);
    assert.deepEqual(await redis.xrange(key, '-', '+'), [
      [id, ['type', 'text', 'data', JSON.stringify(text.data)]],
    ]);
    assert.equal(await redis.pttl(key), -1);
    await log.append(streamId, end);
    const ttl = await redis.pttl(key);
    assert.ok(ttl > 59_000 && ttl <= 60_000, `ttl ${ttl}`);
    await log.close();
  });

  test('names keys with keyOf when given one', async () => {
    const keyOf = (streamId: string) => `${prefix}user:{u1}:chat:${streamId}`;
    const log = createRedisStreamLog({ redis, ...options, keyOf });
    await log.append('c1', start);
    assert.equal(await redis.xlen(keyOf('c1')), 1);
    assert.equal(await log.exists('c1'), true);
    assert.equal(
      (await firstEvent(log.read('c1', undefined, new AbortController().signal)))?.event.type,
      'start',
    );
    await log.close();
  });

  test('start sets the alias key, holding the stream id, and end gives it the stream’s expiry', async () => {
    const keyOf = (name: string) => `${prefix}${name}`;
    const aliasOf = (streamId: string) => `user:{u1}:alias:${streamId}`;
    const log = createRedisStreamLog({ redis, ...options, keyOf, aliasOf });
    const streamId = `user:{u1}:chat:${randomUUID()}`;
    await log.append(streamId, start);
    assert.equal(await redis.get(keyOf(aliasOf(streamId))), streamId);
    assert.equal(await redis.pttl(keyOf(aliasOf(streamId))), -1);
    await log.append(streamId, text);
    await log.append(streamId, end);
    const ttl = await redis.pttl(keyOf(aliasOf(streamId)));
    assert.ok(ttl > 59_000 && ttl <= 60_000, `ttl ${ttl}`);
    assert.equal(await log.findAlias(aliasOf(streamId)), streamId);
    await log.close();
  });

  test('a resume loads only what comes after its Last-Event-ID', async () => {
    const errors: unknown[] = [];
    const log = createRedisStreamLog({ redis, ...options, onError: (error) => errors.push(error) });
    const streamId = randomUUID();
    const ids = [await log.append(streamId, start)];
    // An entry no reader can use: a read that loads it reports it.
    await redis.xadd(`${prefix}stream:{${streamId}}`, '*', 'foreign', 'entry');
    for (const event of [text, text, end]) {
      ids.push(await log.append(streamId, event));
    }
    const readIds = async (afterId: string | undefined) => {
      const got: string[] = [];
      for await (const event of log.read(streamId, afterId, new AbortController().signal)) {
        got.push(event.id);
      }
      return got;
    };
    assert.deepEqual(await readIds(ids[1]), ids.slice(2));
    assert.deepEqual(errors, []);
    assert.deepEqual(await readIds(undefined), ids);
    assert.equal(errors.length, 1);
    await log.close();
  });

  test('a reader from an earlier id joining a stream followed from a later one gets what it missed', async () => {
    const log = createRedisStreamLog({ redis, ...options });
    const streamId = randomUUID();
    const ids = [await log.append(streamId, start)];
    for (let n = 0; n < 5; n++) {
      ids.push(await log.append(streamId, text));
    }
    const signal = new AbortController().signal;
    const readIds = async (events: AsyncIterable<LoggedEvent>) => {
      const got: string[] = [];
      for await (const event of events) {
        got.push(event.id);
      }
      return got;
    };
    const late = log.read(streamId, ids[4], signal)[Symbol.asyncIterator]();
    assert.equal((await late.next()).value?.id, ids[5]);
    // The stream is now followed from ids[4]; these readers join that follow.
    const reads = [
      readIds(log.read(streamId, undefined, signal)),
      readIds(log.read(streamId, ids[1], signal)),
      readIds(log.read(streamId, ids[4], signal)),
    ];
    const opened = await log.open(streamId, ids[2]);
    assert.ok(opened);
    reads.push(readIds(opened(signal)));
    await sleep(50);
    ids.push(await log.append(streamId, text), await log.append(streamId, end));
    const [all, afterFirst, afterFourth, afterSecond] = await Promise.all(reads);
    assert.deepEqual(all, ids);
    assert.deepEqual(afterFirst, ids.slice(2));
    assert.deepEqual(afterFourth, ids.slice(5));
    assert.deepEqual(afterSecond, ids.slice(3));
    assert.deepEqual(await readIds({ [Symbol.asyncIterator]: () => late }), ids.slice(6));
    await log.close();
  });

  test('what a later reader from an earlier id gets stays within maxLength, the newest events', async () => {
    const log = createRedisStreamLog({ redis, ...options, maxLength: 5 });
    const streamId = randomUUID();
    const ids = [await log.append(streamId, start)];
    for (let n = 0; n < 8; n++) {
      ids.push(await log.append(streamId, text));
    }
    const controller = new AbortController();
    const late = log.read(streamId, ids[7], controller.signal)[Symbol.asyncIterator]();
    assert.equal((await late.next()).value?.id, ids[8]);
    const early = log.read(streamId, undefined, controller.signal)[Symbol.asyncIterator]();
    const got: (string | undefined)[] = [];
    for (let n = 0; n < 5; n++) {
      got.push((await early.next()).value?.id);
    }
    assert.deepEqual(got, ids.slice(4));
    controller.abort();
    await log.close();
  });

  test('once closed, open reads a stream as nothing rather than as missing', async () => {
    const log = createRedisStreamLog({ redis, ...options });
    const streamId = randomUUID();
    await log.append(streamId, start);
    await log.close();
    const opened = await log.open(streamId, undefined);
    assert.ok(opened);
    assert.equal(await firstEvent(opened(new AbortController().signal)), undefined);
  });

  test('an instance follows what another instance appends', async () => {
    const writer = createRedisStreamLog({ redis: scratch.connect(), ...options });
    const reader = createRedisStreamLog({ redis, ...options });
    const streamId = randomUUID();
    const ids = [await writer.append(streamId, start)];
    const read = (async () => {
      const got: LoggedEvent[] = [];
      for await (const event of reader.read(streamId, undefined, new AbortController().signal)) {
        got.push(event);
      }
      return got;
    })();
    await sleep(50);
    ids.push(await writer.append(streamId, text), await writer.append(streamId, end));
    assert.deepEqual(
      (await read).map((event) => event.id),
      ids,
    );
    await Promise.all([writer.close(), reader.close()]);
  });

  test('a stream followed while the reader is blocked on others is picked up at once', async () => {
    const log = createRedisStreamLog({ redis, ...options });
    const first = randomUUID();
    const second = randomUUID();
    await log.append(first, start);
    await log.append(second, start);
    const controller = new AbortController();
    const firstRead = log.read(first, undefined, controller.signal)[Symbol.asyncIterator]();
    await firstRead.next();
    const waiting = firstRead.next();
    // The shared XREAD now blocks on `first` alone; `second` joins while it does.
    await sleep(100);
    const secondRead = log.read(second, undefined, controller.signal)[Symbol.asyncIterator]();
    await secondRead.next();
    const next = secondRead.next();
    await sleep(50);
    const appendedAt = performance.now();
    await log.append(second, text);
    assert.equal((await next).value?.event.type, 'text');
    const latency = performance.now() - appendedAt;
    assert.ok(latency < 1000, `latency ${latency} ms, the XREAD was not restarted`);
    controller.abort();
    assert.equal((await waiting).done, true);
    await log.close();
  });

  test('loads a long stream in pages while it grows, repeating and losing nothing', async () => {
    const log = createRedisStreamLog({ redis, ...options, maxLength: 10_000 });
    const controller = new AbortController();
    // Appends to another followed stream restart the shared XREAD again and again while the long one loads.
    const other = randomUUID();
    await log.append(other, start);
    const otherRead = (async () => {
      for await (const _ of log.read(other, undefined, controller.signal)) {
        // Only keeps the stream followed.
      }
    })();
    const streamId = randomUUID();
    const ids: string[] = [];
    const pipeline = redis.pipeline();
    for (let n = 0; n < 8000; n++) {
      pipeline.xadd(`${prefix}stream:{${streamId}}`, '*', 'type', 'text', 'data', JSON.stringify(text.data));
    }
    for (const [, id] of (await pipeline.exec()) ?? []) {
      ids.push(id as string);
    }
    const read = (async () => {
      const got: string[] = [];
      for await (const event of log.read(streamId, undefined, new AbortController().signal)) {
        got.push(event.id);
      }
      return got;
    })();
    for (let n = 0; n < 100; n++) {
      const [id] = await Promise.all([log.append(streamId, text), log.append(other, text)]);
      ids.push(id);
    }
    ids.push(await log.append(streamId, end));
    assert.deepEqual(await read, ids);
    controller.abort();
    await otherRead;
    await log.close();
  });

  test('uses one blocking connection for every reader, and closes it', async () => {
    const log = createRedisStreamLog({ redis, ...options });
    const controller = new AbortController();
    const reads: Promise<unknown>[] = [];
    for (let stream = 0; stream < 20; stream++) {
      const streamId = randomUUID();
      await log.append(streamId, start);
      for (let reader = 0; reader < 10; reader++) {
        reads.push(firstEvent(log.read(streamId, '0-0', controller.signal)));
      }
    }
    await Promise.all(reads);
    await sleep(50);
    const blockingClients = async () =>
      String(await redis.client('LIST'))
        .split('\n')
        .filter((line) => line.includes(` name=${prefix}stream-reader `));
    assert.equal((await blockingClients()).length, 1);
    controller.abort();
    await log.close();
    for (let tries = 0; tries < 50 && (await blockingClients()).length > 0; tries++) {
      await sleep(20);
    }
    assert.deepEqual(await blockingClients(), []);
  });

  test('reports a Redis that cannot be reached as SERVICE_UNAVAILABLE', async () => {
    const unreachable = new Redis({
      port: 1,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
    });
    unreachable.on('error', () => undefined);
    const log = createRedisStreamLog({ redis: unreachable, ...options });
    await assert.rejects(log.append('s', start), { code: 'SERVICE_UNAVAILABLE' });
    await assert.rejects(log.exists('s'), { code: 'SERVICE_UNAVAILABLE' });
    await assert.rejects(log.open('s', undefined), { code: 'SERVICE_UNAVAILABLE' });
    await assert.rejects(log.findAlias('a'), { code: 'SERVICE_UNAVAILABLE' });
    await assert.rejects(firstEvent(log.read('s', undefined, new AbortController().signal)), {
      code: 'SERVICE_UNAVAILABLE',
    });
    await log.close();
    unreachable.disconnect();
  });
});
