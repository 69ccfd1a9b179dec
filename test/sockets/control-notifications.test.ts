import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { getChat, sendMessage } from '../helpers/native-client.ts';
import { collectSse, textOf } from '../helpers/sse-client.ts';
import { anonymous, createChat, json, type RunningParley, startParley } from '../helpers/start-parley.ts';
import { connected, recordControl } from './socket-clients.ts';

describe('socket.io /chats notifications', () => {
  let server: RunningParley;
  before(async () => {
    server = await startParley();
  });
  after(() => server.close());

  test('every tab of the owner hears of a chat created, renamed and deleted; nobody else does', async () => {
    const owner = anonymous();
    const tabs = [1, 2].map(() => recordControl(server.url, { auth: { anonId: owner['x-anon-id'] } }));
    const strangerId = randomUUID();
    const stranger = recordControl(server.url, { auth: { anonId: strangerId } });
    try {
      await Promise.all([...tabs, stranger].map((client) => connected(client.socket)));
      const chatId = await createChat(server.url, owner, { title: 'plans' });
      await fetch(`${server.url}/api/chats/${chatId}`, {
        ...json({ title: 'new plans' }, owner),
        method: 'PATCH',
      });
      await fetch(`${server.url}/api/chats/${chatId}`, { method: 'DELETE', headers: owner });
      for (const tab of tabs) {
        const created = await tab.next('chat_created');
        assert.deepEqual([created.chat.id, created.chat.title], [chatId, 'plans']);
        const updated = await tab.next('chat_updated');
        assert.deepEqual([updated.chat.id, updated.chat.title], [chatId, 'new plans']);
        assert.deepEqual(await tab.next('chat_deleted'), { chat_id: chatId });
      }
      // The stranger's own notification arrives after anything it could have wrongly been sent.
      const strangerChat = await createChat(server.url, anonymous(strangerId));
      await stranger.next('chat_created', (event) => event.chat.id === strangerChat);
      assert.deepEqual(
        stranger.events.filter((event) => event.name.startsWith('chat_')).map((event) => event.name),
        ['chat_created'],
      );
    } finally {
      for (const client of [...tabs, stranger]) {
        client.close();
      }
    }
  });

  test('a started answer reaches another tab with a token to attach over SSE; its end and the usage follow', async () => {
    const owner = anonymous();
    const other = recordControl(server.url, { auth: { anonId: owner['x-anon-id'] } });
    try {
      const initial = await other.next('usage_info');
      assert.deepEqual(initial, { messages_today: 0, input_tokens_today: 0, output_tokens_today: 0 });
      const chatId = await createChat(server.url, owner);
      const events = await collectSse(
        await sendMessage(server.url, owner, chatId, { content: 'tell me about rivers', maxTokens: 12 }),
      );

      const started = await other.next('stream_started');
      const streamId = started.stream_id;
      assert.deepEqual(
        { ...started, token: typeof started.token },
        { chat_id: chatId, stream_id: streamId, message_id: streamId, model: 'demo', token: 'string' },
      );
      // The token alone (no headers, as EventSource) attaches to the answer.
      const attached = await collectSse(
        await fetch(`${server.url}/api/streams/${streamId}?token=${started.token}`),
      );
      assert.equal(textOf(attached), textOf(events));

      assert.deepEqual(await other.next('stream_ended'), {
        chat_id: chatId,
        stream_id: streamId,
        status: 'complete',
        error_code: null,
      });
      const { messages } = await getChat(server.url, owner, chatId);
      const answer = messages.find((message) => message.id === streamId);
      const usage = await other.next('usage_info', (info) => info.output_tokens_today > 0);
      assert.deepEqual(usage, {
        messages_today: 1,
        input_tokens_today: answer?.inputTokens,
        output_tokens_today: answer?.outputTokens,
      });
      const order = other.events.map((event) => event.name).filter((name) => name.startsWith('stream_'));
      assert.deepEqual(order, ['stream_started', 'stream_ended']);
    } finally {
      other.close();
    }
  });

  test('a cancelled answer is announced as cancelled', async () => {
    const slow = await startParley({ demo: { tokensPerSecond: 50 } });
    const owner = anonymous();
    const tab = recordControl(slow.url, { auth: { anonId: owner['x-anon-id'] } });
    try {
      await connected(tab.socket);
      const chatId = await createChat(slow.url, owner);
      const controller = new AbortController();
      const response = await sendMessage(
        slow.url,
        owner,
        chatId,
        { content: '__long_test__' },
        controller.signal,
      );
      const started = await tab.next('stream_started');
      await fetch(`${slow.url}/api/streams/${started.stream_id}/cancel`, { method: 'POST', headers: owner });
      const ended = await tab.next('stream_ended');
      assert.deepEqual(
        [ended.stream_id, ended.status, ended.error_code],
        [started.stream_id, 'cancelled', null],
      );
      controller.abort();
      await response.body?.cancel().catch(() => {});
    } finally {
      tab.close();
      await slow.close();
    }
  });

  test('presence: every tab hears how many of the principal’s tabs are connected', async () => {
    const anonId = randomUUID();
    const first = recordControl(server.url, { auth: { anonId } });
    await first.next('presence', (presence) => presence.connections === 1);
    const second = recordControl(server.url, { auth: { anonId } });
    try {
      await first.next('presence', (presence) => presence.connections === 2);
      await second.next('presence', (presence) => presence.connections === 2);
      second.close();
      const from = first.events.length;
      assert.deepEqual(await first.next('presence', () => true, { from }), { connections: 1 });
    } finally {
      first.close();
      second.close();
    }
  });

  test('a socket that drops for a moment recovers and gets the events it missed', async () => {
    const owner = anonymous();
    const dropping = recordControl(server.url, {
      auth: { anonId: owner['x-anon-id'] },
      transports: ['websocket'],
      reconnection: false,
    });
    const witness = recordControl(server.url, { auth: { anonId: owner['x-anon-id'] } });
    try {
      await witness.next('presence', (presence) => presence.connections === 2);
      await dropping.next('presence', (presence) => presence.connections === 2);
      const id = dropping.socket.id;

      dropping.socket.io.engine.close();
      // The server has seen the drop once the other tab hears the count fall.
      await witness.next('presence', (presence) => presence.connections === 1, {
        from: witness.events.length,
      });
      const missed = await createChat(server.url, owner, { title: 'while away' });
      await witness.next('chat_created', (event) => event.chat.id === missed);
      assert.equal(dropping.events.filter((event) => event.name === 'chat_created').length, 0);

      dropping.socket.connect();
      await connected(dropping.socket);
      assert.equal(dropping.socket.recovered, true);
      assert.equal(dropping.socket.id, id, 'a recovered socket keeps its id');
      const replayed = await dropping.next('chat_created');
      assert.deepEqual([replayed.chat.id, replayed.chat.title], [missed, 'while away']);
      // Its room came back with it: new events still reach it.
      const after = await createChat(server.url, owner, { title: 'after' });
      await dropping.next('chat_created', (event) => event.chat.id === after);
    } finally {
      dropping.close();
      witness.close();
    }
  });
});
