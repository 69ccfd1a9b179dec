import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StartData } from '../protocol/events.ts';
import { fakeOpenAIEnv, startFakeOpenAI } from './fakes/fake-openai-server.ts';
import type { FakeUpstream } from './fakes/fake-upstream.ts';
import { getChat, sendMessage } from './helpers/native-client.ts';
import { readSse, type SseEvent } from './helpers/sse-client.ts';
import { anonymous, createChat, type RunningParley, startParley } from './helpers/start-parley.ts';
import { waitFor } from './helpers/wait-for.ts';

const model = 'local/fake-model';

/** The model is asked while the answer is being saved; an answer that then cannot start must not keep it asking. */
describe('the model request of an answer that cannot start', () => {
  let server: RunningParley;
  let upstream: FakeUpstream;
  const headers = anonymous();

  before(async () => {
    upstream = await startFakeOpenAI({ tokens: 500, interTokenDelayMs: 20 });
    server = await startParley({
      env: fakeOpenAIEnv(upstream.url),
    });
  });
  after(async () => {
    await server.close();
    await upstream.close();
  });

  test('a refused second answer aborts its model request and saves nothing', async () => {
    const chatId = await createChat(server.url, headers, { model });
    const running = await sendMessage(server.url, headers, chatId, { content: 'first' });
    const events = readSse(running.body as ReadableStream<Uint8Array>);
    const start = JSON.parse(((await events.next()).value as SseEvent).data) as StartData;

    const refused = await sendMessage(server.url, headers, chatId, { content: 'second' });
    assert.equal(refused.status, 409);
    assert.equal(
      ((await refused.json()) as { error: { code: string } }).error.code,
      'GENERATION_IN_PROGRESS',
    );
    // The model was asked before the answer was refused; the abort may have stopped that request before it
    // connected. One that gets through (an unaborted one does, in milliseconds) must be cut off, not streamed
    // for its 10 s and finished.
    await waitFor(async () => (upstream.requests.length > 1 ? true : undefined), 1000).catch(() => undefined);
    for (const request of upstream.requests.slice(1)) {
      const closed = await Promise.race([request.closed, sleep(5000).then(() => undefined)]);
      assert.equal(closed?.finished, false, 'cut off, not answered in full');
    }

    await fetch(`${server.url}/api/streams/${start.streamId}/cancel`, { method: 'POST', headers });
    const { messages } = await getChat(server.url, headers, chatId);
    assert.deepEqual(
      messages.map((message) => [message.role, message.content === 'second']),
      [
        ['user', false],
        ['assistant', false],
      ],
    );
  });
});
