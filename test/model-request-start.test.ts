import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StartData } from '../protocol/events.ts';
import { startFakeOpenAI } from './fakes/fake-openai-server.ts';
import type { FakeUpstream } from './fakes/fake-upstream.ts';
import { getChat, sendMessage } from './helpers/native-client.ts';
import { readSse, type SseEvent } from './helpers/sse-client.ts';
import { anonymous, createChat, type RunningParley, startParley } from './helpers/start-parley.ts';
import { waitFor } from './helpers/wait-for.ts';

const model = 'local/fake-model';

/**
 * The model is asked while the answer is being saved, so the save is off the time to first token. Holding a
 * lock on the chat row stalls the save where the answer's foreign key is checked: the model request must
 * arrive anyway, and, when the save then fails, be cut off.
 */
describe('the model is asked while the answer is saved', {
  skip: !process.env.DATABASE_URL && 'DATABASE_URL not set',
}, () => {
  let server: RunningParley;
  let upstream: FakeUpstream;
  const headers = anonymous();

  before(async () => {
    upstream = await startFakeOpenAI({ tokens: 500, interTokenDelayMs: 20 });
    server = await startParley({
      engine: 'postgres',
      env: {
        OPENAI_COMPATIBLE_BASE_URL: `${upstream.url}/v1`,
        OPENAI_COMPATIBLE_MODELS: 'fake-model',
        OPENAI_COMPATIBLE_NAME: 'local',
      },
    });
  });
  after(async () => {
    await server.close();
    await upstream.close();
  });

  test('a refused second answer had already asked the model, and its request is cut off', async () => {
    const { database } = server.database;
    assert.equal(database.kind, 'postgres');
    const chatId = await createChat(server.url, headers, { model });
    const running = await sendMessage(server.url, headers, chatId, { content: 'first' });
    const events = readSse(running.body as ReadableStream<Uint8Array>);
    const start = JSON.parse(((await events.next()).value as SseEvent).data) as StartData;

    const lock = await database.pool.connect();
    let refused: Promise<Response>;
    try {
      await lock.query('BEGIN');
      await lock.query('SELECT id FROM chats WHERE id = $1 FOR UPDATE', [chatId]);
      refused = sendMessage(server.url, headers, chatId, { content: 'second' });
      await waitFor(async () => (upstream.requests.length === 2 ? true : undefined));
    } finally {
      await lock.query('COMMIT');
      lock.release();
    }
    const response = await refused;
    assert.equal(response.status, 409);
    assert.equal(
      ((await response.json()) as { error: { code: string } }).error.code,
      'GENERATION_IN_PROGRESS',
    );
    const second = upstream.requests[1];
    assert.ok(second);
    assert.deepEqual((second.body as { messages: unknown[] }).messages.at(-1), {
      role: 'user',
      content: 'second',
    });
    // Unaborted, it would stream its 500 tokens for 10 s and finish.
    assert.equal((await second.closed).finished, false);

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
