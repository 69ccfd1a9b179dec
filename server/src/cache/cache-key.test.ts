import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { type CacheableRequest, cacheKeyOf, isCacheable } from './cache-key.ts';

const base: CacheableRequest = {
  model: 'gpt-fast',
  upstreamModel: 'gpt-4o-mini',
  system: 'Be brief.',
  messages: [
    { role: 'user', content: 'What is SSE?' },
    { role: 'assistant', content: 'Server-sent events.' },
    { role: 'user', content: 'And WebSockets?' },
  ],
  temperature: 0,
  topP: 1,
  topK: 40,
  maxTokens: 256,
  stop: ['\n\n'],
  seed: 7,
};

describe('cacheKeyOf', () => {
  test('is a hex SHA-256, the same for the same request on every run', () => {
    assert.match(cacheKeyOf(base), /^[0-9a-f]{64}$/);
    assert.equal(cacheKeyOf(base), cacheKeyOf(structuredClone(base)));
    // Pinned: a change of key scheme must be deliberate (and raise keyVersion), since it empties every cache.
    const canonical =
      '{"messages":[{"content":"hi","role":"user"}],"model":"demo","upstreamModel":"demo","v":1}';
    assert.equal(
      cacheKeyOf({ model: 'demo', upstreamModel: 'demo', messages: [{ role: 'user', content: 'hi' }] }),
      createHash('sha256').update(canonical).digest('hex'),
    );
  });

  test('does not depend on the order of keys, in the request or in its turns', () => {
    const reordered: CacheableRequest = {
      seed: 7,
      stop: ['\n\n'],
      maxTokens: 256,
      topK: 40,
      topP: 1,
      temperature: 0,
      messages: base.messages.map(({ role, content }) => ({ content, role })),
      system: 'Be brief.',
      upstreamModel: 'gpt-4o-mini',
      model: 'gpt-fast',
    };
    assert.equal(cacheKeyOf(reordered), cacheKeyOf(base));
  });

  test('omits options that are undefined', () => {
    const { seed: _, ...withoutSeed } = base;
    assert.equal(cacheKeyOf({ ...base, seed: undefined }), cacheKeyOf(withoutSeed));
    assert.equal(
      cacheKeyOf({ model: 'demo', upstreamModel: 'demo', messages: [], system: undefined, stop: undefined }),
      cacheKeyOf({ model: 'demo', upstreamModel: 'demo', messages: [] }),
    );
  });

  test('counts only the role and content of a turn', () => {
    const turns = base.messages.map((turn, n) => ({ ...turn, id: `m${n}`, createdAt: new Date(n) }));
    assert.equal(cacheKeyOf({ ...base, messages: turns }), cacheKeyOf(base));
  });

  test('changes with the model, any message, or any generation option', () => {
    const variants: CacheableRequest[] = [
      base,
      { ...base, model: 'gpt-slow' },
      { ...base, upstreamModel: 'gpt-4o' },
      { ...base, system: 'Be thorough.' },
      { ...base, system: undefined },
      { ...base, system: '' },
      { ...base, messages: base.messages.slice(0, 1) },
      { ...base, messages: [...base.messages, { role: 'assistant', content: '' }] },
      {
        ...base,
        messages: base.messages.map((turn, n) => (n === 2 ? { ...turn, content: 'And HTTP/2?' } : turn)),
      },
      { ...base, messages: base.messages.map((turn, n) => (n === 1 ? { ...turn, role: 'user' } : turn)) },
      {
        ...base,
        messages: [{ role: 'user', content: 'What is SSE?Server-sent events.And WebSockets?' }],
      },
      { ...base, temperature: undefined },
      { ...base, temperature: 0.5 },
      { ...base, topP: 0.9 },
      { ...base, topK: 41 },
      { ...base, maxTokens: 257 },
      { ...base, stop: ['\n'] },
      { ...base, stop: ['\n\n', 'END'] },
      { ...base, stop: [] },
      { ...base, seed: 8 },
      { ...base, seed: undefined },
    ];
    const keys = variants.map(cacheKeyOf);
    assert.equal(new Set(keys).size, variants.length);
  });

  test('refuses a request that is not JSON, rather than keying it loosely', () => {
    assert.throws(() => cacheKeyOf({ ...base, temperature: Number.NaN }));
  });
});

describe('isCacheable', () => {
  test('is true for temperature 0 or an explicit opt-in, and never with cache: false', () => {
    const cases: [Parameters<typeof isCacheable>[0], boolean][] = [
      [{ temperature: 0 }, true],
      [{ temperature: 0, cache: true }, true],
      [{ temperature: 0, cache: false }, false],
      [{ temperature: 0.7 }, false],
      [{ temperature: 0.7, cache: true }, true],
      [{ temperature: 0.7, cache: false }, false],
      [{}, false],
      [{ cache: true }, true],
      [{ cache: false }, false],
    ];
    for (const [options, expected] of cases) {
      assert.equal(isCacheable(options), expected, JSON.stringify(options));
    }
  });
});
