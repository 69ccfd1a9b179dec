import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { collectEvents } from '../../../../test/fakes/collect-events.ts';
import { startFakeAnthropic } from '../../../../test/fakes/fake-anthropic-server.ts';
import { type FakeScenario, type FakeUpstream, fakeAnswer } from '../../../../test/fakes/fake-upstream.ts';
import { AppError } from '../../app-error.ts';
import type { ModelRequest } from '../provider.ts';
import { defaultProviderTimeouts, type ProviderTimeouts } from '../provider-errors.ts';
import { createAnthropicProvider } from './anthropic-provider.ts';

const request: ModelRequest = {
  model: 'claude-sonnet-4-20250514',
  messages: [{ role: 'user', content: 'Hi there' }],
};
const fakes: FakeUpstream[] = [];
after(() => Promise.all(fakes.map((fake) => fake.close())));

async function setup(scenario: FakeScenario, timeouts: Partial<ProviderTimeouts> = {}) {
  const fake = await startFakeAnthropic(scenario);
  fakes.push(fake);
  const provider = createAnthropicProvider({
    baseUrl: fake.url,
    apiKey: 'sk-ant-test',
    timeouts: { ...defaultProviderTimeouts, ...timeouts },
  });
  return { fake, provider };
}

function assertCode(error: unknown, code: string): AppError {
  assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
  assert.equal(error.code, code);
  return error;
}

describe('Anthropic provider', () => {
  test('maps the Messages event sequence to text, usage and finish events', async () => {
    const { fake, provider } = await setup({ fixture: 'anthropic-text' });
    const { events, error } = await collectEvents(provider, request);
    assert.equal(error, undefined);
    assert.deepEqual(events, [
      { type: 'text', text: 'Hello' },
      { type: 'text', text: '! How can' },
      { type: 'text', text: ' I help?' },
      { type: 'usage', inputTokens: 25, outputTokens: 12 },
      { type: 'finish', reason: 'stop' },
    ]);
    const headers = fake.requests[0]?.headers;
    assert.equal(fake.requests[0]?.path, '/v1/messages');
    assert.equal(headers?.['x-api-key'], 'sk-ant-test');
    assert.equal(headers?.['anthropic-version'], '2023-06-01');
  });

  test('maps every generation option onto the request body', async () => {
    const { fake, provider } = await setup({ tokens: 2 });
    await collectEvents(provider, {
      model: 'claude-sonnet-4-20250514',
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: 'Tell me more' },
      ],
      temperature: 1.5,
      topP: 0.9,
      topK: 40,
      maxTokens: 256,
      stop: ['END'],
      seed: 7,
    });
    assert.deepEqual(fake.requests[0]?.body, {
      model: 'claude-sonnet-4-20250514',
      max_tokens: 256,
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: 'Tell me more' },
      ],
      temperature: 1,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['END'],
      stream: true,
    });
  });

  test('sends the default max_tokens when the request sets none', async () => {
    const { fake, provider } = await setup({ tokens: 2 });
    const { events } = await collectEvents(provider, request);
    assert.equal(events.map((event) => (event.type === 'text' ? event.text : '')).join(''), fakeAnswer(2));
    assert.deepEqual(fake.requests[0]?.body, { ...request, max_tokens: 4096, stream: true });
  });

  test('turns a tool_use block with input_json_delta fragments into one tool call', async () => {
    const { provider } = await setup({ fixture: 'anthropic-tool-call' });
    const { events, error } = await collectEvents(provider, request);
    assert.equal(error, undefined);
    assert.deepEqual(events, [
      { type: 'text', text: 'Let me check the weather.' },
      {
        type: 'tool_call',
        id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
        name: 'get_weather',
        arguments: '{"location": "Paris"}',
      },
      { type: 'usage', inputTokens: 472, outputTokens: 89 },
      { type: 'finish', reason: 'tool_calls' },
    ]);
  });

  describe('HTTP errors', () => {
    const cases = [
      ['anthropic-auth', 'PROVIDER_AUTH'],
      ['anthropic-rate-limited', 'PROVIDER_RATE_LIMITED'],
      ['anthropic-overloaded', 'PROVIDER_UNAVAILABLE'],
      ['anthropic-prompt-too-long', 'CONTEXT_TOO_LONG'],
    ] as const;
    for (const [fixture, code] of cases) {
      test(`${fixture} becomes ${code}`, async () => {
        const { provider } = await setup({ fixture });
        const { events, error } = await collectEvents(provider, request);
        assert.deepEqual(events, []);
        assertCode(error, code);
      });
    }

    test('429 carries Retry-After', async () => {
      const { provider } = await setup({ fixture: 'anthropic-rate-limited' });
      const { error } = await collectEvents(provider, request);
      assert.equal(assertCode(error, 'PROVIDER_RATE_LIMITED').retryAfterSeconds, 12);
    });

    test('a refused connection becomes PROVIDER_UNAVAILABLE', async () => {
      const { fake, provider } = await setup({});
      await fake.close();
      const { error } = await collectEvents(provider, request);
      assertCode(error, 'PROVIDER_UNAVAILABLE');
    });
  });

  describe('mid-stream failures keep the text already streamed', () => {
    const cases = [
      ['anthropic-midstream-error', 'PROVIDER_UNAVAILABLE', ['Partial']],
      ['anthropic-malformed', 'PROVIDER_BAD_RESPONSE', ['Partial']],
      ['anthropic-disconnect', 'PROVIDER_DISCONNECTED', ['Partial', ' answer']],
    ] as const;
    for (const [fixture, code, texts] of cases) {
      test(`${fixture} becomes ${code}`, async () => {
        const { provider } = await setup({ fixture });
        const { events, error } = await collectEvents(provider, request);
        assert.deepEqual(
          events,
          texts.map((text) => ({ type: 'text', text })),
        );
        assertCode(error, code);
      });
    }

    test('a dropped connection becomes PROVIDER_DISCONNECTED', async () => {
      const { provider } = await setup({ tokens: 10, dropAfterChunks: 5 });
      const { events, error } = await collectEvents(provider, request);
      assert.equal(events.length, 2);
      assertCode(error, 'PROVIDER_DISCONNECTED');
    });
  });

  describe('timeouts', () => {
    test('streamed thinking is output: a long reasoning phase is no first-token timeout', async () => {
      const { provider } = await setup(
        { fixture: 'anthropic-thinking', interTokenDelayMs: 40 },
        { firstTokenMs: 100 },
      );
      const { events, error } = await collectEvents(provider, request);
      assert.equal(error, undefined);
      assert.deepEqual(events, [
        { type: 'text', text: 'Hello!' },
        { type: 'usage', inputTokens: 30, outputTokens: 25 },
        { type: 'finish', reason: 'stop' },
      ]);
    });

    test('no response headers in time', async () => {
      const { provider } = await setup({ hang: true }, { connectMs: 100 });
      assertCode((await collectEvents(provider, request)).error, 'PROVIDER_TIMEOUT');
    });

    test('no first token in time, pings notwithstanding', async () => {
      // message_start, content_block_start and ping arrive; the first text never does.
      const { provider } = await setup({ tokens: 5, stallAfterChunks: 3 }, { firstTokenMs: 100 });
      const { events, error } = await collectEvents(provider, request);
      assert.deepEqual(events, []);
      assertCode(error, 'PROVIDER_TIMEOUT');
    });

    test('silence mid-answer', async () => {
      const { provider } = await setup({ tokens: 5, stallAfterChunks: 4 }, { idleMs: 100 });
      const { events, error } = await collectEvents(provider, request);
      assert.deepEqual(events, [{ type: 'text', text: fakeAnswer(1) }]);
      assertCode(error, 'PROVIDER_TIMEOUT');
    });
  });

  test('aborting the signal closes the upstream connection', async () => {
    const { fake, provider } = await setup({ tokens: 500, interTokenDelayMs: 10 });
    const controller = new AbortController();
    let abortedAt = 0;
    await assert.rejects(
      async () => {
        for await (const event of provider.stream(request, controller.signal)) {
          if (event.type === 'text') {
            abortedAt = performance.now();
            controller.abort();
          }
        }
      },
      { name: 'AbortError' },
    );
    const closed = await fake.requests[0]?.closed;
    assert.equal(closed?.finished, false);
    assert.ok((closed?.at ?? Number.POSITIVE_INFINITY) - abortedAt < 100, 'upstream closed within 100 ms');
  });
});
