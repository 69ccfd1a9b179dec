import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { collectEvents, streamEvents, textEvents } from '../../../../test/fakes/collect-events.ts';
import { everyOptionRequest } from '../../../../test/fakes/every-option-request.ts';
import { startFakeOllama } from '../../../../test/fakes/fake-ollama-server.ts';
import { fakeAnswer } from '../../../../test/fakes/fake-upstream.ts';
import { createProviderHarness } from '../../../../test/fakes/provider-harness.ts';
import type { ModelRequest } from '../provider.ts';
import { providerFailureContract } from '../provider-failures.contract.ts';
import { normalizeOllamaHost } from './ollama-host.ts';
import { createOllamaProvider } from './ollama-provider.ts';

const request: ModelRequest = {
  model: 'llama3.2',
  messages: [{ role: 'user', content: 'Why is the sky blue?' }],
};
const setup = createProviderHarness({
  startFake: startFakeOllama,
  createProvider: (url, timeouts) => createOllamaProvider({ host: url, timeouts }),
});

describe('Ollama provider', () => {
  test('maps /api/chat NDJSON to text, usage and finish events', async () => {
    const { fake, provider } = await setup({ fixture: 'ollama-chat-text' });
    assert.deepEqual(await streamEvents(provider, request), [
      ...textEvents('The', ' sky', ' is', ' blue.'),
      { type: 'usage', inputTokens: 26, outputTokens: 4 },
      { type: 'finish', reason: 'stop' },
    ]);
    assert.equal(fake.requests[0]?.path, '/api/chat');
  });

  test('maps every generation option into options, and the system prompt into a system message', async () => {
    const { fake, provider } = await setup({ tokens: 2 });
    await collectEvents(provider, everyOptionRequest);
    assert.deepEqual(fake.requests[0]?.body, {
      model: 'test-model',
      messages: [{ role: 'system', content: 'Be brief.' }, ...everyOptionRequest.messages],
      stream: true,
      options: { temperature: 1.5, top_p: 0.9, top_k: 40, num_predict: 256, stop: ['END'], seed: 7 },
    });
  });

  test('streams a generated answer with the counts Ollama reports', async () => {
    const { fake, provider } = await setup({ tokens: 30 });
    const { events } = await collectEvents(provider, request);
    assert.equal(events.map((event) => (event.type === 'text' ? event.text : '')).join(''), fakeAnswer(30));
    assert.deepEqual(events.slice(-2), [
      { type: 'usage', inputTokens: 10, outputTokens: 30 },
      { type: 'finish', reason: 'stop' },
    ]);
    assert.deepEqual(fake.requests[0]?.body, { ...request, stream: true, options: {} });
  });

  test('turns tool_calls into tool call events with JSON string arguments', async () => {
    const { provider } = await setup({ fixture: 'ollama-chat-tool-call' });
    assert.deepEqual(await streamEvents(provider, request), [
      {
        type: 'tool_call',
        id: 'call_0',
        name: 'get_current_weather',
        arguments: '{"format":"celsius","location":"Paris, FR"}',
      },
      { type: 'usage', inputTokens: 122, outputTokens: 33 },
      { type: 'finish', reason: 'tool_calls' },
    ]);
  });

  test('OLLAMA_HOST spellings become base URLs', () => {
    assert.equal(normalizeOllamaHost('http://ollama:11434/'), 'http://ollama:11434');
    assert.equal(normalizeOllamaHost('127.0.0.1:8080'), 'http://127.0.0.1:8080');
    assert.equal(normalizeOllamaHost('gpu-box'), 'http://gpu-box:11434');
    assert.equal(normalizeOllamaHost('https://ollama.example.com'), 'https://ollama.example.com');
  });
});

providerFailureContract('Ollama', {
  setup,
  chunksBeforeText: 0,
  fixtures: {
    httpAnswers: {
      'ollama-model-not-found': 'MODEL_NOT_FOUND',
      'ollama-context-too-long': 'CONTEXT_TOO_LONG',
      'ollama-invalid-request': 'PROVIDER_REJECTED',
      'ollama-server-error': 'PROVIDER_UNAVAILABLE',
    },
    midStreamError: 'ollama-chat-error',
    malformed: 'ollama-chat-malformed',
    disconnect: 'ollama-chat-disconnect',
    thinking: { fixture: 'ollama-chat-thinking', usage: { inputTokens: 12, outputTokens: 20 } },
  },
});
