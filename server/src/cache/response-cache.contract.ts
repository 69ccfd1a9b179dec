import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CachedAnswer, ResponseCache, ResponseCacheOptions } from './response-cache.ts';

export interface ResponseCacheUnderTest {
  cache: ResponseCache;
  /** Closes the cache (it may already be closed) and removes whatever the run left behind. */
  cleanup(): Promise<void>;
}

const maxAnswerBytes = 64 * 1024;

function answerOf(pieces: string[], extra: Partial<CachedAnswer> = {}): CachedAnswer {
  return {
    text: pieces.join(''),
    pieces,
    finishReason: 'stop',
    inputTokens: 12,
    outputTokens: pieces.length,
    model: 'demo',
    createdAt: '2025-01-01T00:00:00.000Z',
    ...extra,
  };
}

const answer = answerOf(['Héllo', ' "wörld"', '\n\n', '😀', ' \\ </script>', '']);
const other = answerOf(['Another', ' answer.'], { finishReason: 'length', inputTokens: 3, model: 'other' });

/**
 * The behaviour every ResponseCache must have, run against each engine. `create` builds a fresh, isolated
 * cache with the given options (answers over 64 KiB are not kept); keys are random per test.
 */
export function responseCacheContract(
  name: string,
  create: (options: Required<ResponseCacheOptions>) => Promise<ResponseCacheUnderTest>,
  options: { skip?: string | false } = {},
): void {
  describe(`ResponseCache contract: ${name}`, { skip: options.skip }, () => {
    async function withCache(run: (cache: ResponseCache) => Promise<void>, ttlMs = 60_000): Promise<void> {
      const { cache, cleanup } = await create({ ttlMs, maxAnswerBytes });
      try {
        await run(cache);
      } finally {
        await cleanup();
      }
    }

    test('misses a key that was never set', () =>
      withCache(async (cache) => {
        assert.equal(await cache.get(randomUUID()), undefined);
      }));

    test('hits with the identical answer, under its own key only', () =>
      withCache(async (cache) => {
        const key = randomUUID();
        await cache.set(key, answer);
        assert.deepEqual(await cache.get(key), answer);
        assert.deepEqual(await cache.get(key), answer);
        assert.equal(await cache.get(randomUUID()), undefined);
      }));

    test('keeps every field and piece, empty text included', () =>
      withCache(async (cache) => {
        const empty = answerOf([], { finishReason: 'content_filter', outputTokens: 0 });
        const key = randomUUID();
        await cache.set(key, empty);
        assert.deepEqual(await cache.get(key), empty);
      }));

    test('keeps values: changing an answer after set, or after get, changes nothing cached', () =>
      withCache(async (cache) => {
        const key = randomUUID();
        const mine = answerOf(['a', 'b']);
        await cache.set(key, mine);
        mine.pieces.push('c');
        mine.text = 'abc';
        const got = await cache.get(key);
        assert.ok(got);
        got.pieces.push('d');
        got.outputTokens = 99;
        assert.deepEqual(await cache.get(key), answerOf(['a', 'b']));
      }));

    test('replaces what a key held', () =>
      withCache(async (cache) => {
        const key = randomUUID();
        await cache.set(key, answer);
        await cache.set(key, other);
        assert.deepEqual(await cache.get(key), other);
      }));

    test('forgets an answer after its TTL', () =>
      withCache(async (cache) => {
        const key = randomUUID();
        const setAt = performance.now();
        await cache.set(key, answer);
        const got = await cache.get(key);
        // On a busy machine the first read can itself come after the TTL; then only expiry can be checked.
        if (performance.now() - setAt < 250) {
          assert.deepEqual(got, answer);
        }
        await sleep(700);
        assert.equal(await cache.get(key), undefined);
      }, 300));

    test('keeps a long answer of many pieces under the size bound', () =>
      withCache(async (cache) => {
        const key = randomUUID();
        const long = answerOf(Array.from({ length: 2000 }, (_, n) => `w${n % 10} `));
        await cache.set(key, long);
        assert.deepEqual(await cache.get(key), long);
      }));

    test('skips an answer over the size bound, leaving what the key held', () =>
      withCache(async (cache) => {
        const huge = answerOf(Array.from({ length: 1000 }, () => 'x'.repeat(100)));
        const fresh = randomUUID();
        await cache.set(fresh, huge);
        assert.equal(await cache.get(fresh), undefined);
        const held = randomUUID();
        await cache.set(held, answer);
        await cache.set(held, huge);
        assert.deepEqual(await cache.get(held), answer);
      }));

    test('after close, misses and stores nothing, without throwing', () =>
      withCache(async (cache) => {
        const key = randomUUID();
        await cache.set(key, answer);
        await cache.close();
        assert.equal(await cache.get(key), undefined);
        await cache.set(randomUUID(), answer);
      }));
  });
}
