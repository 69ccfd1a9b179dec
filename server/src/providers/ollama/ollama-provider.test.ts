import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { collectEvents } from '../../../../test/fakes/collect-events.ts';
import { startFakeOllama } from '../../../../test/fakes/fake-ollama-server.ts';
import { type FakeScenario, type FakeUpstream, fakeAnswer } from '../../../../test/fakes/fake-upstream.ts';
import { AppError } from '../../app-error.ts';
import type { ModelRequest } from '../provider.ts';
import { defaultProviderTimeouts, type ProviderTimeouts } from '../provider-errors.ts';
import { normalizeOllamaHost } from './ollama-host.ts';
import { createOllamaProvider } from './ollama-provider.ts';

const request: ModelRequest = {
  model: 'llama3.2',
  messages: [{ role: 'user', content: 'Why is the sky blue?' }],
};
const fakes: FakeUpstream[] = [];
after(() => Promise.all(fakes.map((fake) => fake.close())));

async function setup(scenario: FakeScenario, timeouts: Partial<ProviderTimeouts> = {}) {
  const fake = await startFakeOllama(scenario);
  fakes.push(fake);
  const provider = createOllamaProvider({
    host: fake.url,
    timeouts: { ...defaultProviderTimeouts, ...timeouts },
  });
  return { fake, provider };
}

function assertCode(error: unknown, code: string): AppError {
  assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
  assert.equal(error.code, code);
  return error;
}

describe('Ollama provider', () => {
  test('maps /api/chat NDJSON to text, usage and finish events', async () => {
    const { fake, provider } = await setup({ fixture: 'ollama-chat-text' });
    const { events, error } = await collectEvents(provider, request);
    assert.equal(error, undefined);
    assert.deepEqual(events, [
      { type: 'text', text: 'The' },
      { type: 'text', text: ' sky' },
      { type: 'text', text: ' is' },
      { type: 'text', text: ' blue.' },
      { type: 'usage', inputTokens: 26, outputTokens: 4 },
      { type: 'finish', reason: 'stop' },
    ]);
    assert.equal(fake.requests[0]?.path, '/api/chat');
  });

  test('maps every generation option into options, and the system prompt into a system message', async () => {
    const { fake, provider } = await setup({ tokens: 2 });
    await collectEvents(provider, {
      model: 'llama3.2',
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
      model: 'llama3.2',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: 'Tell me more' },
      ],
      stream: true,
      options: { temperature: 0.3, top_p: 0.9, top_k: 40, num_predict: 256, stop: ['END'], seed: 7 },
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
    const { events, error } = await collectEvents(provider, request);
    assert.equal(error, undefined);
    assert.deepEqual(events, [
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

  describe('errors', () => {
    const cases = [
      ['ollama-model-not-found', 'MODEL_NOT_FOUND'],
      ['ollama-context-too-long', 'CONTEXT_TOO_LONG'],
    ] as const;
    for (const [fixture, code] of cases) {
      test(`${fixture} becomes ${code}`, async () => {
        const { provider } = await setup({ fixture });
        const { events, error } = await collectEvents(provider, request);
        assert.deepEqual(events, []);
        assertCode(error, code);
      });
    }

    test('a refused connection becomes PROVIDER_UNAVAILABLE', async () => {
      const { fake, provider } = await setup({});
      await fake.close();
      assertCode((await collectEvents(provider, request)).error, 'PROVIDER_UNAVAILABLE');
    });

    const midStream = [
      ['ollama-chat-error', 'PROVIDER_UNAVAILABLE', ['Partial']],
      ['ollama-chat-malformed', 'PROVIDER_BAD_RESPONSE', ['Partial']],
      ['ollama-chat-disconnect', 'PROVIDER_DISCONNECTED', ['Partial', ' answer']],
    ] as const;
    for (const [fixture, code, texts] of midStream) {
      test(`${fixture} keeps the streamed text and becomes ${code}`, async () => {
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
      const { provider } = await setup({ tokens: 10, dropAfterChunks: 2 });
      const { events, error } = await collectEvents(provider, request);
      assert.equal(events.length, 2);
      assertCode(error, 'PROVIDER_DISCONNECTED');
    });
  });

  describe('timeouts', () => {
    test('streamed thinking is output: a long reasoning phase is no first-token timeout', async () => {
      const { provider } = await setup(
        { fixture: 'ollama-chat-thinking', interTokenDelayMs: 40 },
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
      const { provider } = await setup({ hang: true }, { connectMs: 100 });
      assertCode((await collectEvents(provider, request)).error, 'PROVIDER_TIMEOUT');
    });

    test('no first token in time (a model still loading)', async () => {
      const { provider } = await setup({ tokens: 5, firstTokenDelayMs: 5000 }, { firstTokenMs: 100 });
      assertCode((await collectEvents(provider, request)).error, 'PROVIDER_TIMEOUT');
    });

    test('silence mid-answer', async () => {
      const { provider } = await setup({ tokens: 5, stallAfterChunks: 2 }, { idleMs: 100 });
      const { events, error } = await collectEvents(provider, request);
      assert.equal(events.length, 2);
      assertCode(error, 'PROVIDER_TIMEOUT');
    });
  });

  test('aborting the signal closes the upstream connection, so Ollama stops generating', async () => {
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

  test('OLLAMA_HOST spellings become base URLs', () => {
    assert.equal(normalizeOllamaHost('http://ollama:11434/'), 'http://ollama:11434');
    assert.equal(normalizeOllamaHost('127.0.0.1:8080'), 'http://127.0.0.1:8080');
    assert.equal(normalizeOllamaHost('gpu-box'), 'http://gpu-box:11434');
    assert.equal(normalizeOllamaHost('https://ollama.example.com'), 'https://ollama.example.com');
  });
});
