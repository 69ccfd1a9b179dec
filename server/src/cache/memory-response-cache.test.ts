import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createMemoryResponseCache } from './memory-response-cache.ts';
import { responseCacheContract } from './response-cache.contract.ts';
import type { CachedAnswer } from './response-cache.ts';

responseCacheContract('memory', async (options) => {
  const cache = createMemoryResponseCache({ ...options, maxEntries: 100 });
  return { cache, cleanup: () => cache.close() };
});

function answerOf(text: string): CachedAnswer {
  return {
    text,
    pieces: [text],
    finishReason: 'stop',
    inputTokens: 1,
    outputTokens: 1,
    model: 'demo',
    createdAt: '2025-01-01T00:00:00.000Z',
  };
}

async function keysIn(
  cache: ReturnType<typeof createMemoryResponseCache>,
  keys: string[],
): Promise<string[]> {
  const held: string[] = [];
  for (const key of keys) {
    if ((await cache.get(key)) !== undefined) {
      held.push(key);
    }
  }
  return held;
}

describe('createMemoryResponseCache', () => {
  test('expires an answer once its TTL has passed on its clock, counted from set', async () => {
    let time = 10_000;
    const cache = createMemoryResponseCache({ maxEntries: 10, ttlMs: 1000, now: () => time });
    await cache.set('k', answerOf('a'));
    time = 11_000;
    assert.deepEqual(await cache.get('k'), answerOf('a'));
    time = 11_001;
    assert.equal(await cache.get('k'), undefined);
    await cache.set('k', answerOf('b'));
    time = 12_001;
    assert.deepEqual(await cache.get('k'), answerOf('b'));
    time = 12_002;
    assert.equal(await cache.get('k'), undefined);
    await cache.close();
  });

  test('beyond maxEntries drops the least recently used answer', async () => {
    const cache = createMemoryResponseCache({ maxEntries: 3, ttlMs: 60_000 });
    await cache.set('a', answerOf('a'));
    await cache.set('b', answerOf('b'));
    await cache.set('c', answerOf('c'));
    await cache.get('a');
    await cache.set('d', answerOf('d'));
    assert.deepEqual(await keysIn(cache, ['a', 'b', 'c', 'd']), ['a', 'c', 'd']);
    await cache.close();
  });

  test('beyond maxBytes drops the least recently used answers, however few entries there are', async () => {
    // Each answer counts 2 bytes per character: 400 of the 1000 bytes.
    const cache = createMemoryResponseCache({ maxEntries: 100, maxBytes: 1000, ttlMs: 60_000 });
    await cache.set('a', answerOf('a'.repeat(200)));
    await cache.set('b', answerOf('b'.repeat(200)));
    assert.deepEqual(await keysIn(cache, ['a', 'b']), ['a', 'b']);
    await cache.set('c', answerOf('c'.repeat(200)));
    assert.deepEqual(await keysIn(cache, ['a', 'b', 'c']), ['b', 'c']);
    await cache.close();
  });

  test('an answer over maxAnswerBytes pushes nothing out', async () => {
    const cache = createMemoryResponseCache({
      maxEntries: 100,
      maxBytes: 1000,
      maxAnswerBytes: 500,
      ttlMs: 60_000,
    });
    await cache.set('a', answerOf('a'.repeat(200)));
    await cache.set('b', answerOf('b'.repeat(200)));
    await cache.set('big', answerOf('x'.repeat(251)));
    assert.deepEqual(await keysIn(cache, ['a', 'b', 'big']), ['a', 'b']);
    await cache.set('edge', answerOf('x'.repeat(250)));
    assert.deepEqual(await keysIn(cache, ['a', 'b', 'edge']), ['b', 'edge']);
    await cache.close();
  });
});
