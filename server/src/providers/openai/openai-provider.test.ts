import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { collectEvents, streamEvents, textEvents } from '../../../../test/fakes/collect-events.ts';
import { everyOptionRequest } from '../../../../test/fakes/every-option-request.ts';
import { startFakeOpenAI } from '../../../../test/fakes/fake-openai-server.ts';
import { fakeAnswer } from '../../../../test/fakes/fake-upstream.ts';
import { createProviderHarness } from '../../../../test/fakes/provider-harness.ts';
import type { ModelRequest } from '../provider.ts';
import { providerFailureContract } from '../provider-failures.contract.ts';
import { countTokens } from '../tokenizer.ts';
import { createOpenAIProvider } from './openai-provider.ts';

const request: ModelRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi there' }] };
const setup = createProviderHarness({
  startFake: startFakeOpenAI,
  createProvider: (url, timeouts) =>
    createOpenAIProvider({
      name: 'openai',
      baseUrl: `${url}/v1`,
      apiKey: 'sk-test',
      maxTokensField: 'max_completion_tokens',
      timeouts,
    }),
});
// A local OpenAI-compatible server: no key, `max_tokens`, and a base URL ending in a slash.
const setupVllm = createProviderHarness({
  startFake: startFakeOpenAI,
  createProvider: (url, timeouts) =>
    createOpenAIProvider({ name: 'vllm', baseUrl: `${url}/v1/`, apiKey: undefined, timeouts }),
});

describe('OpenAI provider', () => {
  test('maps a streamed answer to text, usage and finish events', async () => {
    const { fake, provider } = await setup({ fixture: 'openai-text' });
    assert.deepEqual(await streamEvents(provider, request), [
      ...textEvents('Hello', '!', ' How', ' can', ' I', ' help', '?'),
      { type: 'usage', inputTokens: 19, outputTokens: 8 },
      { type: 'finish', reason: 'stop' },
    ]);
    assert.equal(fake.requests[0]?.path, '/v1/chat/completions');
    assert.equal(fake.requests[0]?.headers.authorization, 'Bearer sk-test');
  });

  test('maps every generation option onto the request body, leaving out top_k', async () => {
    const { fake, provider } = await setup({ tokens: 2 });
    await collectEvents(provider, everyOptionRequest);
    assert.deepEqual(fake.requests[0]?.body, {
      model: 'test-model',
      messages: [{ role: 'system', content: 'Be brief.' }, ...everyOptionRequest.messages],
      stream: true,
      stream_options: { include_usage: true },
      temperature: 1.5,
      top_p: 0.9,
      max_completion_tokens: 256,
      stop: ['END'],
      seed: 7,
    });
  });

  test('sends max_tokens to servers that only know it, and no auth header without a key', async () => {
    const { fake, provider } = await setupVllm({ tokens: 2 });
    const { events } = await collectEvents(provider, { ...request, maxTokens: 64 });
    assert.deepEqual(events.at(-1), { type: 'finish', reason: 'stop' });
    const body = fake.requests[0]?.body as Record<string, unknown>;
    assert.equal(body.max_tokens, 64);
    assert.equal(body.max_completion_tokens, undefined);
    assert.equal(fake.requests[0]?.headers.authorization, undefined);
  });

  test('accumulates tool call fragments by index and emits each call once, complete', async () => {
    const { provider } = await setup({ fixture: 'openai-tool-call' });
    assert.deepEqual(await streamEvents(provider, request), [
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
      ...textEvents('The answer', ' was cut'),
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
});

providerFailureContract('OpenAI', {
  setup,
  chunksBeforeText: 1,
  fixtures: {
    httpAnswers: {
      'openai-auth': 'PROVIDER_AUTH',
      'openai-rate-limited': 'PROVIDER_RATE_LIMITED',
      'openai-server-error': 'PROVIDER_UNAVAILABLE',
      'openai-context-too-long': 'CONTEXT_TOO_LONG',
      'openai-invalid-request': 'PROVIDER_REJECTED',
      'openai-not-streaming': 'PROVIDER_BAD_RESPONSE',
    },
    rateLimited: { fixture: 'openai-rate-limited', retryAfterSeconds: 7 },
    midStreamError: 'openai-midstream-error',
    malformed: 'openai-malformed',
    disconnect: 'openai-disconnect',
    thinking: { fixture: 'openai-reasoning', usage: { inputTokens: 12, outputTokens: 20 } },
  },
});
