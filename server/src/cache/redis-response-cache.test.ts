import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Redis, type RedisOptions } from 'ioredis';
import { createTestRedis, testRedisSkip } from '../testing/test-redis.ts';
import { createRedisResponseCache } from './redis-response-cache.ts';
import { responseCacheContract } from './response-cache.contract.ts';
import type { CachedAnswer } from './response-cache.ts';

responseCacheContract(
  'redis',
  async (options) => {
    const scratch = createTestRedis();
    const errors: unknown[] = [];
    const cache = createRedisResponseCache({
      redis: scratch.connect(),
      prefix: scratch.prefix,
      onError: (error) => errors.push(error),
      ...options,
    });
    return {
      cache,
      async cleanup() {
        await cache.close();
        await scratch.cleanup();
        assert.deepEqual(errors, []);
      },
    };
  },
  { skip: testRedisSkip },
);

const answer: CachedAnswer = {
  text: 'Hello there.',
  pieces: ['Hello', ' there', '.'],
  finishReason: 'stop',
  inputTokens: 5,
  outputTokens: 3,
  model: 'demo',
  createdAt: '2025-01-01T00:00:00.000Z',
};

/** A port nothing listens on: taken from the system, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function unreachableRedis(options: RedisOptions): Promise<Redis> {
  const redis = new Redis({ host: '127.0.0.1', port: await closedPort(), lazyConnect: true, ...options });
  redis.on('error', () => undefined);
  return redis;
}

describe('createRedisResponseCache', () => {
  // Nothing reaches a Redis in the first two tests, so any prefix does.
  const unreachablePrefix = 'parley-test:unreachable:';

  test('with Redis unreachable, misses and skips set without throwing, and reports each failure', async () => {
    const redis = await unreachableRedis({ maxRetriesPerRequest: 0, enableOfflineQueue: false });
    const errors: unknown[] = [];
    const cache = createRedisResponseCache({
      redis,
      prefix: unreachablePrefix,
      onError: (error) => errors.push(error),
    });
    assert.equal(await cache.get('k'), undefined);
    await cache.set('k', answer);
    assert.equal(errors.length, 2);
    assert.ok(errors.every((error) => error instanceof Error));
    await cache.close();
    redis.disconnect();
  });

  test('with Redis reconnecting, gives up after timeoutMs instead of waiting for the queued command', async () => {
    // ioredis holds commands in its offline queue while it retries: here, for ever.
    const redis = await unreachableRedis({ maxRetriesPerRequest: null, retryStrategy: () => 50 });
    const errors: unknown[] = [];
    const cache = createRedisResponseCache({
      redis,
      prefix: unreachablePrefix,
      timeoutMs: 100,
      onError: (error) => errors.push(error),
    });
    const startedAt = performance.now();
    assert.equal(await cache.get('k'), undefined);
    await cache.set('k', answer);
    const elapsed = performance.now() - startedAt;
    assert.ok(elapsed >= 190 && elapsed < 2000, `took ${elapsed} ms`);
    assert.deepEqual(
      errors.map((error) => (error as Error).message),
      [
        'Redis did not answer the response cache within 100 ms.',
        'Redis did not answer the response cache within 100 ms.',
      ],
    );
    await cache.close();
    redis.disconnect();
  });

  describe('against Redis', { skip: testRedisSkip }, () => {
    const scratch = createTestRedis();
    const { prefix } = scratch;
    const errors: unknown[] = [];
    let redis: Redis;

    before(() => {
      redis = scratch.connect();
    });

    after(() => scratch.cleanup());

    test('stores the JSON under a hash-tagged key with a PX expiry, 1 hour by default', async () => {
      const cache = createRedisResponseCache({ redis, prefix, onError: (error) => errors.push(error) });
      const key = randomUUID();
      await cache.set(key, answer);
      const redisKey = `${prefix}cache:{${key}}`;
      assert.deepEqual(JSON.parse((await redis.get(redisKey)) as string), answer);
      const ttl = await redis.pttl(redisKey);
      assert.ok(ttl > 3_590_000 && ttl <= 3_600_000, `ttl ${ttl}`);
      assert.deepEqual(errors, []);
      await cache.close();
    });

    test('an instance reads what another instance stored', async () => {
      const writer = createRedisResponseCache({
        redis: scratch.connect(),
        prefix,
        onError: (e) => errors.push(e),
      });
      const reader = createRedisResponseCache({ redis, prefix, onError: (e) => errors.push(e) });
      const key = randomUUID();
      await writer.set(key, answer);
      assert.deepEqual(await reader.get(key), answer);
      assert.deepEqual(errors, []);
      await Promise.all([writer.close(), reader.close()]);
    });

    test('bounds the stored JSON itself, escapes included', async () => {
      // 600 quotes are 600 characters of text, but 2400 bytes of JSON: text and pieces each escape them.
      const quoted: CachedAnswer = { ...answer, text: '"'.repeat(600), pieces: ['"'.repeat(600)] };
      const storedWith = async (maxAnswerBytes: number): Promise<boolean> => {
        const cache = createRedisResponseCache({
          redis,
          prefix,
          maxAnswerBytes,
          onError: (e) => errors.push(e),
        });
        const key = randomUUID();
        await cache.set(key, quoted);
        await cache.close();
        return (await redis.exists(`${prefix}cache:{${key}}`)) === 1;
      };
      assert.equal(await storedWith(2000), false);
      assert.equal(await storedWith(3000), true);
      assert.deepEqual(errors, []);
    });

    test('misses on a stored value that is not an answer, and reports it', async () => {
      const reported: unknown[] = [];
      const cache = createRedisResponseCache({ redis, prefix, onError: (error) => reported.push(error) });
      const values = [
        'not json',
        '[]',
        JSON.stringify({ ...answer, pieces: [1] }),
        JSON.stringify({ ...answer, finishReason: 'bored' }),
        JSON.stringify({ ...answer, outputTokens: -1 }),
        JSON.stringify({ ...answer, model: undefined }),
      ];
      for (const value of values) {
        const key = randomUUID();
        await redis.set(`${prefix}cache:{${key}}`, value, 'PX', 60_000);
        assert.equal(await cache.get(key), undefined, value);
      }
      assert.equal(reported.length, values.length);
      await cache.close();
    });

    test('after close, set writes nothing', async () => {
      const cache = createRedisResponseCache({ redis, prefix, onError: (error) => errors.push(error) });
      await cache.close();
      const key = randomUUID();
      await cache.set(key, answer);
      assert.equal(await redis.exists(`${prefix}cache:{${key}}`), 0);
    });
  });
});
