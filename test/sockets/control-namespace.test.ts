import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { io } from 'socket.io-client';
import type { ChatsList, ControlError, MessagesList, UsageInfo } from '../../protocol/control.ts';
import { getChat, sendMessage } from '../helpers/native-client.ts';
import { collectSse } from '../helpers/sse-client.ts';
import { anonymous, createChat, type RunningParley, startParley } from '../helpers/start-parley.ts';
import { connected, recordControl, refusal, userToken } from './socket-clients.ts';

describe('socket.io /chats', () => {
  let server: RunningParley;
  before(async () => {
    server = await startParley({
      sockets: {
        allowedOrigins: ['https://app.example.com'],
        rateLimit: { messages: 1000, windowSeconds: 10 },
      },
    });
  });
  after(() => server.close());

  test('seed 003’s client code works unchanged', async () => {
    const token = await userToken(`seed-${randomUUID()}`);
    const bearer = { authorization: `Bearer ${token}` };
    await createChat(server.url, bearer, { title: 'first' });
    await createChat(server.url, bearer, { title: 'second' });
    const usage = Promise.withResolvers<UsageInfo>();
    const list = Promise.withResolvers<ChatsList>();

    // Seed 003, "1. WebSocket Connection", with the test server's address and a real token.
    const socket = io(`${server.url}/chats`, {
      auth: {
        token: token, // Optional for anonymous users
      },
    });

    // Listen to usage info
    socket.on('usage_info', (data) => {
      usage.resolve(data);
    });

    // List chats
    socket.emit('list_chats', { page: 0, limit: 20 });
    socket.on('chats_list', (data) => {
      list.resolve(data);
    });

    try {
      assert.deepEqual(await usage.promise, {
        messages_today: 0,
        input_tokens_today: 0,
        output_tokens_today: 0,
      });
      const chats = await list.promise;
      assert.deepEqual(
        chats.chats.map((chat) => chat.title),
        ['second', 'first'],
      );
      assert.deepEqual({ ...chats, chats: [] }, { chats: [], page: 0, limit: 20, has_more: false });
      assert.deepEqual(Object.keys(chats.chats[0] ?? {}).sort(), [
        'created_at',
        'id',
        'model',
        'title',
        'updated_at',
      ]);
    } finally {
      socket.close();
    }
  });

  test('an anonymous principal connects with auth.anonId', async () => {
    const anonId = randomUUID();
    await createChat(server.url, anonymous(anonId), { title: 'mine' });
    const client = recordControl(server.url, { auth: { anonId } });
    try {
      client.socket.emit('list_chats', {});
      const list = await client.next('chats_list');
      assert.deepEqual(
        list.chats.map((chat) => chat.title),
        ['mine'],
      );
    } finally {
      client.close();
    }
  });

  test('a handshake without credentials, or with a bad one, is refused with a code', async () => {
    const cases = [
      { auth: {}, code: 'UNAUTHENTICATED' },
      { auth: { token: 'not-a-jwt' }, code: 'INVALID_TOKEN' },
      {
        auth: { token: await userToken('mallory', 'another-secret-another-secret-another') },
        code: 'INVALID_TOKEN',
      },
      {
        auth: { token: await userToken('late', undefined, Math.floor(Date.now() / 1000) - 60) },
        code: 'TOKEN_EXPIRED',
      },
      { auth: { anonId: 'not-a-uuid' }, code: 'UNAUTHENTICATED' },
    ];
    for (const { auth, code } of cases) {
      const socket = io(`${server.url}/chats`, { auth, forceNew: true, reconnection: false });
      try {
        const error = await refusal(socket);
        assert.equal((error.data as ControlError).code, code, JSON.stringify(auth));
        assert.equal(typeof (error.data as ControlError).error, 'string');
      } finally {
        socket.close();
      }
    }
  });

  test('a foreign Origin is refused; the server’s own and listed origins connect', async () => {
    const auth = { anonId: randomUUID() };
    const open = (origin: string) =>
      io(`${server.url}/chats`, {
        auth,
        forceNew: true,
        reconnection: false,
        transports: ['websocket'],
        extraHeaders: { origin },
      });
    const foreign = open('https://evil.example');
    try {
      const error = await refusal(foreign);
      assert.match(error.message, /websocket error/);
    } finally {
      foreign.close();
    }
    const polling = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`, {
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(polling.status, 403);
    for (const origin of [server.url, 'https://app.example.com']) {
      const socket = open(origin);
      try {
        await connected(socket);
      } finally {
        socket.close();
      }
    }
  });

  test('list_chats pages with page and limit', async () => {
    const anonId = randomUUID();
    for (const title of ['a', 'b', 'c']) {
      await createChat(server.url, anonymous(anonId), { title });
    }
    const client = recordControl(server.url, { auth: { anonId } });
    try {
      client.socket.emit('list_chats', { page: 0, limit: 2 });
      const first = await client.next('chats_list');
      client.socket.emit('list_chats', { page: 1, limit: 2 });
      const second = await client.next('chats_list', (list) => list.page === 1);
      assert.deepEqual([first.chats.map((chat) => chat.title), first.has_more], [['c', 'b'], true]);
      assert.deepEqual([second.chats.map((chat) => chat.title), second.has_more], [['a'], false]);
    } finally {
      client.close();
    }
  });

  test('list_messages gives the owner’s conversation and NOT_FOUND to anyone else', async () => {
    const owner = anonymous();
    const chatId = await createChat(server.url, owner);
    await collectSse(await sendMessage(server.url, owner, chatId, { content: 'hello', maxTokens: 5 }));
    const saved = await getChat(server.url, owner, chatId);
    const mine = recordControl(server.url, { auth: { anonId: owner['x-anon-id'] } });
    const theirs = recordControl(server.url, { auth: { token: await userToken(`other-${randomUUID()}`) } });
    try {
      mine.socket.emit('list_messages', { chat_id: chatId, page: 0, limit: 20 });
      const list: MessagesList = await mine.next('messages_list');
      assert.equal(list.chat_id, chatId);
      assert.deepEqual(
        list.messages.map((message) => [message.id, message.role, message.content, message.status]),
        saved.messages.map((message) => [message.id, message.role, message.content, message.status]),
      );
      assert.equal(list.messages[1]?.parent_id, list.messages[0]?.id);

      theirs.socket.emit('list_messages', { chat_id: chatId });
      const error = await theirs.next('assistant_error');
      assert.deepEqual(error, { code: 'NOT_FOUND', error: 'No such chat.', event: 'list_messages' });
      assert.equal(theirs.events.filter((event) => event.name === 'messages_list').length, 0);
    } finally {
      mine.close();
      theirs.close();
    }
  });

  test('a payload that breaks its schema gets VALIDATION_FAILED and the socket stays up', async () => {
    const client = recordControl(server.url, { auth: { anonId: randomUUID() } });
    try {
      await connected(client.socket);
      client.socket.emit('list_messages', { chat_id: 'not-a-uuid' });
      const badId = await client.next('assistant_error');
      assert.equal(badId.code, 'VALIDATION_FAILED');
      assert.match(badId.error, /chat_id/);

      client.socket.emit('list_chats', { page: -1, limit: 'all' } as never);
      const badPage = await client.next('assistant_error', () => true, { from: client.events.length });
      assert.deepEqual([badPage.code, badPage.event], ['VALIDATION_FAILED', 'list_chats']);

      (client.socket.emit as (event: string, payload: unknown) => void)('drop_tables', {});
      const unknown = await client.next('assistant_error', (error) => error.event === 'drop_tables');
      assert.equal(unknown.code, 'VALIDATION_FAILED');

      client.socket.emit('list_chats', { page: 0, limit: 1 });
      await client.next('chats_list');
      assert.equal(client.socket.connected, true);
    } finally {
      client.close();
    }
  });
});

describe('socket.io /chats limits', () => {
  let server: RunningParley;
  before(async () => {
    server = await startParley({
      sockets: { maxMessageBytes: 4096, rateLimit: { messages: 3, windowSeconds: 60 } },
    });
  });
  after(() => server.close());

  test('messages over the rate limit get RATE_LIMITED and are dropped; the socket stays up', async () => {
    const client = recordControl(server.url, { auth: { anonId: randomUUID() } });
    try {
      await connected(client.socket);
      for (let page = 0; page < 5; page++) {
        client.socket.emit('list_chats', { page, limit: 1 });
      }
      const answers = await waitForCount(client.events, 5);
      const pages = answers
        .filter((event) => event.name === 'chats_list')
        .map((event) => (event.payload as ChatsList).page)
        .sort();
      assert.deepEqual(pages, [0, 1, 2], 'the first three are answered');
      assert.deepEqual(
        answers.filter((event) => event.name === 'assistant_error').map((event) => event.payload),
        [1, 2].map(() => ({
          code: 'RATE_LIMITED',
          error: 'Too many requests. Try again shortly.',
          event: 'list_chats',
        })),
      );
      assert.equal(client.socket.connected, true);
    } finally {
      client.close();
    }
  });

  test('a message over the size limit closes the connection', async () => {
    const client = recordControl(server.url, {
      auth: { anonId: randomUUID() },
      transports: ['websocket'],
      reconnection: false,
    });
    try {
      await connected(client.socket);
      const reason = new Promise<string>((resolve) => client.socket.once('disconnect', resolve));
      client.socket.emit('list_chats', { page: 0, limit: 1, padding: 'x'.repeat(5000) } as never);
      assert.equal(await reason, 'transport close');
    } finally {
      client.close();
    }
  });
});

/** The answers (chats_list, assistant_error) among `events` once there are `count` of them. */
async function waitForCount(
  events: { name: string; payload: unknown }[],
  count: number,
): Promise<{ name: string; payload: unknown }[]> {
  const answers = () =>
    events.filter((event) => event.name === 'chats_list' || event.name === 'assistant_error');
  for (let tries = 0; answers().length < count && tries < 250; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return answers();
}
