import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { sendMessage, waitForSavedAnswer } from '../helpers/native-client.ts';
import { createScaleOut, type ScaleOut, scaleOutSkip } from '../helpers/scale-out.ts';
import type { SpawnedParley } from '../helpers/spawn-parley.ts';
import { collectSse, textOf } from '../helpers/sse-client.ts';
import { anonymous, createChat, TEST_JWT_SECRET } from '../helpers/start-parley.ts';
import { connected, openWs, type RecordingClient, recordControl, userToken } from './socket-clients.ts';

describe('the control channel across instances (PostgreSQL + Redis)', { skip: scaleOutSkip }, () => {
  let cluster: ScaleOut;
  let a: SpawnedParley;
  let b: SpawnedParley;
  const clients: RecordingClient[] = [];
  // Several instances run WebSocket only, so clients say so (see the README).
  const tab = (url: string, auth: object, options: object = {}) => {
    const client = recordControl(url, { auth, transports: ['websocket'], ...options });
    clients.push(client);
    return client;
  };

  before(async () => {
    cluster = await createScaleOut({ JWT_SECRET: TEST_JWT_SECRET, DEMO_TOKENS_PER_SECOND: '200' });
    [a, b] = [await cluster.start(), await cluster.start()];
  });
  after(async () => {
    for (const client of clients) {
      client.close();
    }
    await cluster.cleanup();
  });

  test('long-polling is off, so no sticky sessions are needed', async () => {
    const response = await fetch(`${a.url}/socket.io/?EIO=4&transport=polling`);
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), { code: 0, message: 'Transport unknown' });
  });

  test('presence counts the principal’s tabs on every instance', async () => {
    const auth = { token: await userToken(`presence-${randomUUID()}`) };
    const onA = tab(a.url, auth);
    await onA.next('presence', (presence) => presence.connections === 1);
    const onB = tab(b.url, auth);
    await onB.next('presence', (presence) => presence.connections === 2);
    await onA.next('presence', (presence) => presence.connections === 2);
    onB.close();
    await onA.next('presence', (presence) => presence.connections === 1, { from: onA.events.length });
  });

  test('an answer started on A reaches a tab on B, which attaches to it over SSE on B', async () => {
    const owner = anonymous();
    const onB = tab(b.url, { anonId: owner['x-anon-id'] });
    await connected(onB.socket);
    const chatId = await createChat(a.url, owner, { title: 'from A' });
    const created = await onB.next('chat_created');
    assert.deepEqual([created.chat.id, created.chat.title], [chatId, 'from A']);

    const response = await sendMessage(a.url, owner, chatId, { content: 'hello across', maxTokens: 40 });
    const started = await onB.next('stream_started');
    assert.equal(started.chat_id, chatId);
    const attached = collectSse(
      await fetch(`${b.url}/api/streams/${started.stream_id}?token=${started.token}`),
    );
    const original = await collectSse(response);
    assert.equal(textOf(await attached), textOf(original));

    const ended = await onB.next('stream_ended');
    assert.deepEqual([ended.stream_id, ended.status], [started.stream_id, 'complete']);
    const saved = await waitForSavedAnswer(b.url, owner, chatId, started.stream_id);
    const usage = await onB.next('usage_info', (info) => info.output_tokens_today > 0);
    assert.deepEqual(usage, {
      messages_today: 1,
      input_tokens_today: saved.inputTokens,
      output_tokens_today: saved.outputTokens,
    });
  });

  test('a tab that drops recovers the events it missed meanwhile', async () => {
    const owner = anonymous();
    const dropping = tab(b.url, { anonId: owner['x-anon-id'] }, { reconnection: false });
    const witness = tab(a.url, { anonId: owner['x-anon-id'] });
    await dropping.next('presence', (presence) => presence.connections === 2);
    await witness.next('presence', (presence) => presence.connections === 2);

    dropping.socket.io.engine.close();
    await witness.next('presence', (presence) => presence.connections === 1, { from: witness.events.length });
    const missed = await createChat(a.url, owner, { title: 'while away' });
    await witness.next('chat_created', (event) => event.chat.id === missed);

    dropping.socket.connect();
    await connected(dropping.socket);
    assert.equal(dropping.socket.recovered, true);
    const replayed = await dropping.next('chat_created');
    assert.equal(replayed.chat.id, missed);
  });

  test('a /ws conversation on B streams from the shared log and is announced on A', async () => {
    const anonId = randomUUID();
    const onA = tab(a.url, { anonId });
    await connected(onA.socket);
    const client = await openWs(`${b.url}/ws?anonId=${anonId}`);
    try {
      await client.nextFrame();
      client.send({ message: 'hello from B' });
      const frames = await client.framesUntil('ai');
      const ai = frames.at(-1);
      assert.ok(ai?.type === 'ai');
      assert.equal(ai.status, 'complete');
      const ended = await onA.next('stream_ended');
      assert.deepEqual([ended.chat_id, ended.stream_id], [ai.chatId, ai.messageId]);
    } finally {
      await client.close();
    }
  });
});

describe('shutdown with sockets open', { skip: scaleOutSkip }, () => {
  let cluster: ScaleOut;
  before(async () => {
    cluster = await createScaleOut({ JWT_SECRET: TEST_JWT_SECRET });
  });
  after(() => cluster.cleanup());

  test('SIGTERM closes every socket so clients reconnect elsewhere, and exits 0', async () => {
    const instance = await cluster.start();
    const control = recordControl(instance.url, {
      auth: { anonId: randomUUID() },
      transports: ['websocket'],
    });
    const plain = await openWs(`${instance.url}/ws`);
    try {
      await connected(control.socket);
      await plain.nextFrame();
      const disconnected = new Promise<string>((resolve) => control.socket.once('disconnect', resolve));
      const closed = once(plain.ws, 'close');
      const startedAt = Date.now();
      assert.equal(await instance.stop('SIGTERM'), 0);
      assert.ok(Date.now() - startedAt < 5000, 'no socket holds the shutdown');
      assert.equal(await disconnected, 'transport close', 'a reason on which socket.io reconnects');
      assert.equal((await closed)[0], 1001);
    } finally {
      control.close();
    }
  });
});
