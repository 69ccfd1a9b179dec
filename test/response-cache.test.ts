import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StartData } from '../protocol/events.ts';
import { fakeOpenAIEnv, startFakeOpenAI } from './fakes/fake-openai-server.ts';
import type { FakeUpstream } from './fakes/fake-upstream.ts';
import { getChat, resumeStream, sendMessage } from './helpers/native-client.ts';
import { collectSse, type SseEvent, textOf } from './helpers/sse-client.ts';
import { anonymous, createChat, type RunningParley, startParley } from './helpers/start-parley.ts';

const model = 'local/fake-model';

describe('the response cache (seed 001)', () => {
  let server: RunningParley;
  let upstream: FakeUpstream;
  const headers = anonymous();

  before(async () => {
    upstream = await startFakeOpenAI({ tokens: 30 });
    server = await startParley({
      env: fakeOpenAIEnv(upstream.url),
    });
  });
  after(async () => {
    await server.close();
    await upstream.close();
  });

  const ask = async (content: string, options: object = {}): Promise<SseEvent[]> => {
    const chatId = await createChat(server.url, headers, { model });
    return collectSse(await sendMessage(server.url, headers, chatId, { content, ...options }));
  };
  const startOf = (events: SseEvent[]) => JSON.parse(events[0]?.data ?? '{}') as StartData;

  test('a deterministic request is answered from the cache the second time, with no provider call', async () => {
    const first = await ask('What is AI?', { temperature: 0 });
    const calls = upstream.requests.length;
    const second = await ask('What is AI?', { temperature: 0 });
    assert.equal(upstream.requests.length, calls, 'the provider was not called');
    assert.equal(startOf(first).cached, false);
    assert.equal(startOf(second).cached, true);
    assert.equal(textOf(second), textOf(first));
    assert.deepEqual(
      second.map((event) => event.event),
      first.map((event) => event.event),
    );

    const { streamId, chatId } = startOf(second);
    const { messages } = await getChat(server.url, headers, chatId);
    assert.equal(messages[1]?.cached, true);
    assert.equal(messages[1]?.content, textOf(first));
    const resumed = await collectSse(await resumeStream(server.url, headers, streamId, second[1]?.id));
    assert.deepEqual(resumed, second.slice(2), 'a cached answer resumes like any other');
  });

  test('misses: another prompt, other options, a non-deterministic request, an opt-out', async () => {
    await ask('Tell me a joke', { temperature: 0 });
    const calls = () => upstream.requests.length;
    let before = calls();
    await ask('Tell me a joke', { temperature: 0, maxTokens: 10 });
    assert.equal(calls(), before + 1, 'other options miss');
    before = calls();
    await ask('Tell me a joke');
    assert.equal(calls(), before + 1, 'a sampled request is never served from the cache');
    before = calls();
    await ask('Tell me a joke', { temperature: 0, cache: false });
    assert.equal(calls(), before + 1, 'cache: false opts out');
    before = calls();
    const optedIn = await ask('Sampled but cached', { temperature: 0.8, cache: true });
    const again = await ask('Sampled but cached', { temperature: 0.8, cache: true });
    assert.equal(calls(), before + 1, 'cache: true opts in');
    assert.equal(textOf(again), textOf(optedIn));
  });

  test('a failed answer is not cached', async () => {
    upstream.setScenario({ fixture: 'openai-midstream-error' });
    try {
      await ask('fragile', { temperature: 0 });
    } finally {
      upstream.setScenario({ tokens: 30 });
    }
    const before = upstream.requests.length;
    const retried = await ask('fragile', { temperature: 0 });
    assert.equal(upstream.requests.length, before + 1);
    assert.equal(startOf(retried).cached, false);
  });
});
