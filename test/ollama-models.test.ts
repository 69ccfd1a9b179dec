import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ModelList } from '../protocol/api.ts';
import type { StartData } from '../protocol/events.ts';
import { startFakeOllama } from './fakes/fake-ollama-server.ts';
import { type FakeUpstream, fakeAnswer } from './fakes/fake-upstream.ts';
import { sendMessage } from './helpers/native-client.ts';
import { collectSse, readSse, type SseEvent, textOf } from './helpers/sse-client.ts';
import { anonymous, createChat, json, type RunningParley, startParley } from './helpers/start-parley.ts';

describe('Ollama through Parley: chat, cancel, model pulls (seed 002)', () => {
  let server: RunningParley;
  let ollama: FakeUpstream;
  const headers = anonymous();

  before(async () => {
    ollama = await startFakeOllama((request) =>
      request.path === '/api/chat' && JSON.stringify(request.body).includes('slow')
        ? { tokens: 400, interTokenDelayMs: 20 }
        : {},
    );
    server = await startParley({ env: { OLLAMA_HOST: ollama.url } });
  });
  after(async () => {
    await server.close();
    await ollama.close();
  });

  test('installed models are listed, and a chat streams from one', async () => {
    const { models, canPull } = (await (await fetch(`${server.url}/api/models`)).json()) as ModelList;
    assert.equal(canPull, true);
    const llama = models.find((model) => model.id === 'ollama/llama3.2:latest');
    assert.equal(llama?.provider, 'ollama');
    assert.equal(llama?.local, false);

    const chatId = await createChat(server.url, headers, { model: 'ollama/llama3.2:latest' });
    const events = await collectSse(
      await sendMessage(server.url, headers, chatId, { content: 'hello', topK: 7 }),
    );
    assert.equal(textOf(events), fakeAnswer(20));
    const sent = ollama.requests.findLast((request) => request.path === '/api/chat')?.body as {
      options: { top_k: number };
      stream: boolean;
    };
    assert.equal(sent.stream, true);
    assert.equal(sent.options.top_k, 7);
  });

  test('cancel closes the request to Ollama, so it stops generating', async () => {
    const chatId = await createChat(server.url, headers, { model: 'ollama/llama3.2:latest' });
    const response = await sendMessage(server.url, headers, chatId, { content: 'slow please' });
    const iterator = readSse(response.body as ReadableStream<Uint8Array>);
    const start = JSON.parse(((await iterator.next()).value as SseEvent).data) as StartData;
    await iterator.next();
    const upstreamRequest = ollama.requests.findLast((request) => request.path === '/api/chat');
    const cancelled = await fetch(`${server.url}/api/streams/${start.streamId}/cancel`, {
      method: 'POST',
      headers,
    });
    assert.equal(((await cancelled.json()) as { status: string }).status, 'cancelled');
    const closed = await upstreamRequest?.closed;
    assert.equal(closed?.finished, false);
  });

  test('POST /api/models/load streams pull progress and ends with done', async () => {
    const response = await fetch(
      `${server.url}/api/models/load`,
      json({ model: 'ollama/llama3.2' }, headers),
    );
    assert.equal(response.status, 200);
    const events = await collectSse(response);
    const progress = events
      .filter((event) => event.event === 'progress')
      .map((event) => JSON.parse(event.data));
    assert.equal(progress[0]?.status, 'pulling manifest');
    assert.ok(progress.some((step) => typeof step.total === 'number' && typeof step.completed === 'number'));
    assert.deepEqual(events.at(-1), { id: undefined, event: 'done', data: '{"model":"ollama/llama3.2"}' });
    const pulled = ollama.requests.findLast((request) => request.path === '/api/pull')?.body as {
      model: string;
    };
    assert.equal(pulled.model, 'llama3.2');
  });

  test('a failed pull ends with a coded error event', async () => {
    ollama.setScenario((request) => (request.path === '/api/pull' ? { fixture: 'ollama-pull-error' } : {}));
    try {
      const events = await collectSse(
        await fetch(`${server.url}/api/models/load`, json({ model: 'nope' }, headers)),
      );
      const last = events.at(-1);
      assert.equal(last?.event, 'error');
      assert.equal(typeof JSON.parse(last?.data ?? '{}').code, 'string');
    } finally {
      ollama.setScenario({});
    }
  });

  test('without OLLAMA_HOST a pull is a 400 with a code', async () => {
    const plain = await startParley();
    try {
      const listed = (await (await fetch(`${plain.url}/api/models`)).json()) as ModelList;
      assert.equal(listed.canPull, false);
      const response = await fetch(`${plain.url}/api/models/load`, json({ model: 'llama3.2' }, headers));
      assert.equal(response.status, 400);
      assert.equal(
        ((await response.json()) as { error: { code: string } }).error.code,
        'PROVIDER_NOT_CONFIGURED',
      );
    } finally {
      await plain.close();
    }
  });
});
