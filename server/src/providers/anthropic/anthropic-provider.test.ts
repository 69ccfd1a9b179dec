import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { collectEvents, streamEvents, textEvents } from '../../../../test/fakes/collect-events.ts';
import { everyOptionRequest } from '../../../../test/fakes/every-option-request.ts';
import { startFakeAnthropic } from '../../../../test/fakes/fake-anthropic-server.ts';
import { fakeAnswer } from '../../../../test/fakes/fake-upstream.ts';
import { createProviderHarness } from '../../../../test/fakes/provider-harness.ts';
import type { ModelRequest } from '../provider.ts';
import { providerFailureContract } from '../provider-failures.contract.ts';
import { createAnthropicProvider } from './anthropic-provider.ts';

const request: ModelRequest = {
  model: 'claude-sonnet-4-20250514',
  messages: [{ role: 'user', content: 'Hi there' }],
};
const setup = createProviderHarness({
  startFake: startFakeAnthropic,
  createProvider: (url, timeouts) =>
    createAnthropicProvider({ baseUrl: url, apiKey: 'sk-ant-test', timeouts }),
});

describe('Anthropic provider', () => {
  test('maps the Messages event sequence to text, usage and finish events', async () => {
    const { fake, provider } = await setup({ fixture: 'anthropic-text' });
    assert.deepEqual(await streamEvents(provider, request), [
      ...textEvents('Hello', '! How can', ' I help?'),
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
    await collectEvents(provider, everyOptionRequest);
    assert.deepEqual(fake.requests[0]?.body, {
      model: 'test-model',
      max_tokens: 256,
      system: 'Be brief.',
      messages: everyOptionRequest.messages,
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
    assert.deepEqual(await streamEvents(provider, request), [
      ...textEvents('Let me check the weather.'),
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
});

providerFailureContract('Anthropic', {
  setup,
  chunksBeforeText: 3,
  fixtures: {
    httpAnswers: {
      'anthropic-auth': 'PROVIDER_AUTH',
      'anthropic-rate-limited': 'PROVIDER_RATE_LIMITED',
      'anthropic-overloaded': 'PROVIDER_UNAVAILABLE',
      'anthropic-prompt-too-long': 'CONTEXT_TOO_LONG',
      'anthropic-invalid-request': 'PROVIDER_REJECTED',
    },
    rateLimited: { fixture: 'anthropic-rate-limited', retryAfterSeconds: 12 },
    midStreamError: 'anthropic-midstream-error',
    malformed: 'anthropic-malformed',
    disconnect: 'anthropic-disconnect',
    thinking: { fixture: 'anthropic-thinking', usage: { inputTokens: 30, outputTokens: 25 } },
  },
});
