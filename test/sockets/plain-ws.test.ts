import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import type { ChatPage } from '../../protocol/api.ts';
import type { WsServerFrame } from '../../protocol/control.ts';
import { getChat } from '../helpers/native-client.ts';
import { anonymous, type RunningParley, startParley } from '../helpers/start-parley.ts';
import { connected, openWs, recordControl, userToken } from './socket-clients.ts';

function textOfDeltas(frames: WsServerFrame[]): string {
  return frames
    .filter((frame) => frame.type === 'delta')
    .map((frame) => frame.message)
    .join('');
}

describe('plain WebSocket /ws (seed 002)', () => {
  let server: RunningParley;
  before(async () => {
    server = await startParley({ sockets: { allowedOrigins: [] } });
  });
  after(() => server.close());

  test('welcome, echo, typing, deltas and the whole answer; the conversation is saved as a chat', async () => {
    const client = await openWs(`${server.url}/ws`);
    try {
      const welcome = await client.nextFrame();
      assert.equal(welcome.type, 'system');
      assert.match(welcome.message, /^Connected/);
      const anonId = welcome.type === 'system' ? welcome.anonId : undefined;
      assert.match(anonId ?? '', /^[0-9a-f-]{36}$/, 'a new anonymous id is announced');

      client.send({ message: 'What is Python?' });
      const frames = await client.framesUntil('ai');
      const [user, typing, ...rest] = frames;
      const ai = rest.at(-1);
      assert.equal(user?.type, 'user');
      const chatId = user?.type === 'user' ? user.chatId : '';
      assert.deepEqual(user, { type: 'user', message: 'What is Python?', chatId });
      assert.deepEqual(typing, { type: 'typing', message: 'AI is typing...' });
      assert.ok(rest.length >= 2, 'at least one delta before the answer');
      assert.deepEqual(
        rest.slice(0, -1).map((frame) => frame.type),
        rest.slice(0, -1).map(() => 'delta'),
      );
      assert.ok(ai?.type === 'ai');
      assert.equal(ai.message, textOfDeltas(frames));
      assert.equal(ai.status, 'complete');
      assert.equal(ai.chatId, chatId);

      client.send({ message: 'And JavaScript?' });
      const second = await client.framesUntil('ai');
      assert.deepEqual(
        second[0],
        { type: 'user', message: 'And JavaScript?', chatId },
        'one chat per connection',
      );

      const owner = anonymous(anonId);
      const saved = await getChat(server.url, owner, chatId);
      assert.deepEqual(
        saved.messages.map((message) => [message.role, message.content, message.status]),
        [
          ['user', 'What is Python?', 'complete'],
          ['assistant', ai.message, 'complete'],
          ['user', 'And JavaScript?', 'complete'],
          ['assistant', second.at(-1)?.message, 'complete'],
        ],
      );
      assert.equal(saved.chat.title, 'What is Python?');
    } finally {
      await client.close();
    }
  });

  test('bad input gets an error frame and the socket stays open', async () => {
    const client = await openWs(`${server.url}/ws`);
    try {
      await client.nextFrame();
      const cases: [unknown, string][] = [
        ['this is not json', 'INVALID_JSON'],
        ['{"message": "unterminated', 'INVALID_JSON'],
        [{ message: '' }, 'VALIDATION_FAILED'],
        [{ message: '   \n ' }, 'VALIDATION_FAILED'],
        [{ message: 42 }, 'VALIDATION_FAILED'],
        [{ text: 'hello' }, 'VALIDATION_FAILED'],
        ['null', 'VALIDATION_FAILED'],
        [{ message: 'hello', model: 'no-such-model' }, 'MODEL_NOT_FOUND'],
      ];
      for (const [input, code] of cases) {
        client.send(input);
        const frame = await client.nextFrame();
        assert.equal(frame.type, 'error', JSON.stringify(input));
        assert.equal(frame.type === 'error' && frame.code, code, JSON.stringify(input));
        assert.equal(typeof frame.message, 'string');
      }
      assert.equal(client.ws.readyState, WebSocket.OPEN);
      client.send({ message: 'still there?', model: 'demo' });
      const frames = await client.framesUntil('ai');
      assert.equal(frames[0]?.type, 'user');
    } finally {
      await client.close();
    }
  });

  test('the principal comes from ?token= or ?anonId=, and its chats hold the conversation', async () => {
    const sub = `ws-${randomUUID()}`;
    const token = await userToken(sub);
    const anonId = randomUUID();
    for (const [query, headers] of [
      [`token=${token}`, { authorization: `Bearer ${token}` }],
      [`anonId=${anonId}`, anonymous(anonId)],
    ] as const) {
      const client = await openWs(`${server.url}/ws?${query}`);
      try {
        const welcome = await client.nextFrame();
        assert.deepEqual(
          welcome,
          { type: 'system', message: 'Connected to chat server' },
          'no id to announce',
        );
        client.send({ message: `hello from ${query.slice(0, 5)}` });
        await client.framesUntil('ai');
        const page = (await (await fetch(`${server.url}/api/chats`, { headers })).json()) as ChatPage;
        assert.deepEqual(
          page.chats.map((chat) => chat.title),
          [`hello from ${query.slice(0, 5)}`],
        );
      } finally {
        await client.close();
      }
    }
  });

  test('a bad token gets a coded error and the socket is closed', async () => {
    const client = await openWs(`${server.url}/ws?token=not-a-jwt`);
    const closed = once(client.ws, 'close');
    const frame = await client.nextFrame();
    assert.deepEqual([frame.type, frame.type === 'error' && frame.code], ['error', 'INVALID_TOKEN']);
    const [code] = await closed;
    assert.equal(code, 1008);
  });

  test('{"type":"cancel"} stops the answer; the partial text is the answer, saved as cancelled', async () => {
    const slow = await startParley({ demo: { tokensPerSecond: 100 } });
    const client = await openWs(`${slow.url}/ws`);
    try {
      const welcome = await client.nextFrame();
      const anonId = welcome.type === 'system' ? welcome.anonId : undefined;
      client.send({ message: '__long_test__' });
      await client.framesUntil('delta');
      client.send({ message: 'and another thing' });
      const refused = (await client.framesUntil('error')).at(-1);
      assert.equal(
        refused?.type === 'error' && refused.code,
        'GENERATION_IN_PROGRESS',
        'one answer at a time',
      );
      client.send({ type: 'cancel' });
      const frames = await client.framesUntil('ai');
      const ai = frames.at(-1);
      assert.ok(ai?.type === 'ai');
      assert.equal(ai.status, 'cancelled');
      const saved = await getChat(slow.url, anonymous(anonId), ai.chatId);
      const answer = saved.messages.find((message) => message.id === ai.messageId);
      assert.deepEqual([answer?.status, answer?.content], ['cancelled', ai.message]);
      assert.ok(ai.message.length > 0 && ai.message.length < 2000);
    } finally {
      await client.close();
      await slow.close();
    }
  });

  test('a /ws conversation is announced on the principal’s control sockets', async () => {
    const anonId = randomUUID();
    const tab = recordControl(server.url, { auth: { anonId } });
    const client = await openWs(`${server.url}/ws?anonId=${anonId}`);
    try {
      await connected(tab.socket);
      await client.nextFrame();
      client.send({ message: 'hello' });
      const frames = await client.framesUntil('ai');
      const ai = frames.at(-1);
      const created = await tab.next('chat_created');
      const ended = await tab.next('stream_ended');
      assert.equal(created.chat.id, ai?.type === 'ai' ? ai.chatId : undefined);
      assert.equal(ended.stream_id, ai?.type === 'ai' ? ai.messageId : undefined);
    } finally {
      tab.close();
      await client.close();
    }
  });

  test('a foreign Origin is refused with 403, and other upgrade paths with 404', async () => {
    for (const [path, origin, status] of [
      ['/ws', 'https://evil.example', 403],
      ['/elsewhere', undefined, 404],
    ] as const) {
      const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}${path}`, {
        ...(origin && { headers: { origin } }),
      });
      ws.on('error', () => {});
      const [, response] = await once(ws, 'unexpected-response');
      assert.equal(response.statusCode, status);
      ws.terminate();
    }
    const sameOrigin = await openWs(`${server.url}/ws`, { origin: server.url });
    await sameOrigin.nextFrame();
    await sameOrigin.close();
  });
});

describe('plain WebSocket /ws limits', () => {
  let server: RunningParley;
  before(async () => {
    server = await startParley({
      sockets: { maxMessageBytes: 4096, rateLimit: { messages: 2, windowSeconds: 60 } },
    });
  });
  after(() => server.close());

  test('frames over the rate limit get RATE_LIMITED', async () => {
    const client = await openWs(`${server.url}/ws`);
    try {
      await client.nextFrame();
      for (let i = 0; i < 3; i++) {
        client.send('not json');
      }
      const codes = [];
      for (let i = 0; i < 3; i++) {
        const frame = await client.nextFrame();
        codes.push(frame.type === 'error' && frame.code);
      }
      assert.deepEqual(codes, ['INVALID_JSON', 'INVALID_JSON', 'RATE_LIMITED']);
      assert.equal(client.ws.readyState, WebSocket.OPEN);
    } finally {
      await client.close();
    }
  });

  test('a frame over the size limit closes the socket with 1009', async () => {
    const client = await openWs(`${server.url}/ws`);
    await client.nextFrame();
    const closed = once(client.ws, 'close');
    client.send({ message: 'x'.repeat(5000) });
    const [code] = await closed;
    assert.equal(code, 1009);
  });
});
