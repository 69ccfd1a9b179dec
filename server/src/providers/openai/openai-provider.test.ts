import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { collectEvents } from '../../../../test/fakes/collect-events.ts';
import { startFakeOpenAI } from '../../../../test/fakes/fake-openai-server.ts';
import { type FakeScenario, type FakeUpstream, fakeAnswer } from '../../../../test/fakes/fake-upstream.ts';
import { AppError } from '../../app-error.ts';
import type { ModelRequest } from '../provider.ts';
import { defaultProviderTimeouts, type ProviderTimeouts } from '../provider-errors.ts';
import { countTokens } from '../tokenizer.ts';
import { createOpenAIProvider } from './openai-provider.ts';

const request: ModelRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi there' }] };
const fakes: FakeUpstream[] = [];
after(() => Promise.all(fakes.map((fake) => fake.close())));

async function setup(scenario: FakeScenario, timeouts: Partial<ProviderTimeouts> = {}) {
  const fake = await startFakeOpenAI(scenario);
  fakes.push(fake);
  const provider = createOpenAIProvider({
    name: 'openai',
    baseUrl: `${fake.url}/v1`,
    apiKey: 'sk-test',
    maxTokensField: 'max_completion_tokens',
    timeouts: { ...defaultProviderTimeouts, ...timeouts },
  });
  return { fake, provider };
}

function assertCode(error: unknown, code: string): AppError {
  assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
  assert.equal(error.code, code);
  return error;
}

describe('OpenAI provider', () => {
  test('maps a streamed answer to text, usage and finish events', async () => {
    const { fake, provider } = await setup({ fixture: 'openai-text' });
    const { events, error } = await collectEvents(provider, request);
    assert.equal(error, undefined);
    assert.deepEqual(events, [
      { type: 'text', text: 'Hello' },
      { type: 'text', text: '!' },
      { type: 'text', text: ' How' },
      { type: 'text', text: ' can' },
      { type: 'text', text: ' I' },
      { type: 'text', text: ' help' },
      { type: 'text', text: '?' },
      { type: 'usage', inputTokens: 19, outputTokens: 8 },
      { type: 'finish', reason: 'stop' },
    ]);
    assert.equal(fake.requests[0]?.path, '/v1/chat/completions');
    assert.equal(fake.requests[0]?.headers.authorization, 'Bearer sk-test');
  });

  test('maps every generation option onto the request body, leaving out top_k', async () => {
    const { fake, provider } = await setup({ tokens: 2 });
    await collectEvents(provider, {
      model: 'gpt-4.1',
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: 'Tell me more' },
      ],
      temperature: 0.3,
      topP: 0.9,
      topK: 40,
      maxTokens: 256,
      stop: ['END'],
      seed: 7,
    });
    assert.deepEqual(fake.requests[0]?.body, {
      model: 'gpt-4.1',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: 'Tell me more' },
      ],
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.3,
      top_p: 0.9,
      max_completion_tokens: 256,
      stop: ['END'],
      seed: 7,
    });
  });

  test('sends max_tokens to servers that only know it, and no auth header without a key', async () => {
    const fake = await startFakeOpenAI({ tokens: 2 });
    fakes.push(fake);
    const provider = createOpenAIProvider({ name: 'vllm', baseUrl: `${fake.url}/v1/`, apiKey: undefined });
    const { events } = await collectEvents(provider, { ...request, maxTokens: 64 });
    assert.deepEqual(events.at(-1), { type: 'finish', reason: 'stop' });
    const body = fake.requests[0]?.body as Record<string, unknown>;
    assert.equal(body.max_tokens, 64);
    assert.equal(body.max_completion_tokens, undefined);
    assert.equal(fake.requests[0]?.headers.authorization, undefined);
  });

  test('accumulates tool call fragments by index and emits each call once, complete', async () => {
    const { provider } = await setup({ fixture: 'openai-tool-call' });
    const { events, error } = await collectEvents(provider, request);
    assert.equal(error, undefined);
    assert.deepEqual(events, [
      {
        type: 'tool_call',
        id: 'call_8wUSXXMNxu9u1Mf9zvb2lGo4',
        name: 'get_weather',
        arguments: '{"location": "Paris"}',
      },
      {
        type: 'tool_call',
        id: 'call_q2ELx5ZHtcvyBqsFsYlzX0uT',
        name: 'get_time',
        arguments: '{"zone": "Europe/Paris"}',
      },
      { type: 'usage', inputTokens: 81, outputTokens: 47 },
      { type: 'finish', reason: 'tool_calls' },
    ]);
  });

  test('counts usage with the tokenizer when the server reports none', async () => {
    const { provider } = await setup({ fixture: 'openai-no-usage' });
    const { events } = await collectEvents(provider, { ...request, system: 'Be brief.' });
    assert.deepEqual(events, [
      { type: 'text', text: 'The answer' },
      { type: 'text', text: ' was cut' },
      {
        type: 'usage',
        inputTokens: countTokens('Be brief.\nHi there'),
        outputTokens: countTokens('The answer was cut'),
      },
      { type: 'finish', reason: 'length' },
    ]);
  });

  test('streams a generated answer of the requested length', async () => {
    const { provider } = await setup({ tokens: 50 });
    const { events } = await collectEvents(provider, request);
    const text = events.map((event) => (event.type === 'text' ? event.text : '')).join('');
    assert.equal(text, fakeAnswer(50));
    assert.deepEqual(events.at(-2), { type: 'usage', inputTokens: 10, outputTokens: 50 });
  });

  describe('HTTP errors', () => {
    const cases = [
      ['openai-auth', 'PROVIDER_AUTH'],
      ['openai-rate-limited', 'PROVIDER_RATE_LIMITED'],
      ['openai-server-error', 'PROVIDER_UNAVAILABLE'],
      ['openai-context-too-long', 'CONTEXT_TOO_LONG'],
      ['openai-not-streaming', 'PROVIDER_BAD_RESPONSE'],
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
      const { provider } = await setup({ fixture: 'openai-rate-limited' });
      const { error } = await collectEvents(provider, request);
      assert.equal(assertCode(error, 'PROVIDER_RATE_LIMITED').retryAfterSeconds, 7);
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
      ['openai-midstream-error', 'PROVIDER_UNAVAILABLE', ['Partial']],
      ['openai-malformed', 'PROVIDER_BAD_RESPONSE', ['Partial']],
      ['openai-disconnect', 'PROVIDER_DISCONNECTED', ['Partial', ' answer']],
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
      const { provider } = await setup({ tokens: 10, dropAfterChunks: 3 });
      const { events, error } = await collectEvents(provider, request);
      assert.equal(events.length, 2);
      assertCode(error, 'PROVIDER_DISCONNECTED');
    });
  });

  describe('timeouts', () => {
    test('streamed thinking is output: a long reasoning phase is no first-token timeout', async () => {
      const { provider } = await setup(
        { fixture: 'openai-reasoning', interTokenDelayMs: 40 },
        { firstTokenMs: 100 },
      );
      const { events, error } = await collectEvents(provider, request);
      assert.equal(error, undefined);
      assert.deepEqual(events, [
        { type: 'text', text: 'Hello!' },
        { type: 'usage', inputTokens: 12, outputTokens: 20 },
        { type: 'finish', reason: 'stop' },
      ]);
    });

    test('no response headers in time', async () => {
      const { fake, provider } = await setup({ hang: true }, { connectMs: 100 });
      const started = performance.now();
      const { error } = await collectEvents(provider, request);
      assertCode(error, 'PROVIDER_TIMEOUT');
      assert.ok(performance.now() - started < 1000);
      const closed = await fake.requests[0]?.closed;
      assert.equal(closed?.finished, false);
    });

    test('no first token in time', async () => {
      const { provider } = await setup({ tokens: 5, firstTokenDelayMs: 5000 }, { firstTokenMs: 100 });
      const { events, error } = await collectEvents(provider, request);
      assert.deepEqual(events, []);
      assertCode(error, 'PROVIDER_TIMEOUT');
    });

    test('silence mid-answer', async () => {
      const { provider } = await setup({ tokens: 5, stallAfterChunks: 3 }, { idleMs: 100 });
      const { events, error } = await collectEvents(provider, request);
      assert.deepEqual(events, [
        { type: 'text', text: fakeAnswer(1) },
        { type: 'text', text: fakeAnswer(2).slice(fakeAnswer(1).length) },
      ]);
      assertCode(error, 'PROVIDER_TIMEOUT');
    });
  });

  test('aborting the signal closes the upstream connection', async () => {
    const { fake, provider } = await setup({ tokens: 500, interTokenDelayMs: 10 });
    const controller = new AbortController();
    const reason = new Error('cancelled by the user');
    let texts = 0;
    let abortedAt = 0;
    await assert.rejects(async () => {
      for await (const event of provider.stream(request, controller.signal)) {
        if (event.type === 'text' && ++texts === 3) {
          abortedAt = performance.now();
          controller.abort(reason);
        }
      }
    }, reason);
    const closed = await fake.requests[0]?.closed;
    assert.equal(closed?.finished, false);
    assert.ok((closed?.at ?? Number.POSITIVE_INFINITY) - abortedAt < 100, 'upstream closed within 100 ms');
  });
});
