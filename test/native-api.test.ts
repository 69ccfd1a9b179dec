import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import type { ChatPage } from '../protocol/api.ts';
import type { ErrorBody } from '../protocol/errors.ts';
import type { StartData } from '../protocol/events.ts';
import { getChat, sendMessage } from './helpers/native-client.ts';
import { collectSse } from './helpers/sse-client.ts';
import {
  anonymous,
  createChat,
  json,
  type RunningParley,
  startParley,
  TEST_JWT_SECRET,
} from './helpers/start-parley.ts';
import { waitFor } from './helpers/wait-for.ts';

function userToken(
  sub: string,
  expiresAt: string | number = '1h',
  secret = TEST_JWT_SECRET,
): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime(expiresAt)
    .sign(new TextEncoder().encode(secret));
}

async function expectError(response: Response, status: number, code: string, field?: string): Promise<void> {
  const body = (await response.json()) as ErrorBody;
  assert.equal(response.status, status, JSON.stringify(body));
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  if (field !== undefined) {
    assert.equal(body.error.field, field);
  }
}

describe('chats', () => {
  let server: RunningParley;
  before(async () => {
    server = await startParley();
  });
  after(() => server.close());

  test('create, read, rename, list newest first with cursors, delete', async () => {
    const headers = { authorization: `Bearer ${await userToken('alice')}` };
    const ids: string[] = [];
    for (let index = 0; index < 7; index++) {
      ids.push(await createChat(server.url, headers, { title: `chat ${index}` }));
    }
    const renamed = await fetch(`${server.url}/api/chats/${ids[0]}`, {
      method: 'PATCH',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'renamed' }),
    });
    assert.equal(renamed.status, 200);
    assert.equal(((await renamed.json()) as { title: string }).title, 'renamed');

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=3&cursor=${cursor}` : '?limit=3';
      const page = (await (await fetch(`${server.url}/api/chats${query}`, { headers })).json()) as ChatPage;
      assert.ok(page.chats.length <= 3);
      seen.push(...page.chats.map((chat) => chat.id));
      cursor = page.nextCursor;
    } while (cursor);
    // The rename touched chat 0, so it is the newest; the rest follow in reverse creation order.
    assert.deepEqual(seen, [ids[0], ...ids.slice(1).reverse()]);

    const deleted = await fetch(`${server.url}/api/chats/${ids[3]}`, { method: 'DELETE', headers });
    assert.equal(deleted.status, 204);
    assert.equal((await fetch(`${server.url}/api/chats/${ids[3]}`, { headers })).status, 404);
  });

  test('the first message titles an untitled chat; the chat remembers its model', async () => {
    const headers = anonymous();
    const chatId = await createChat(server.url, headers);
    await collectSse(
      await sendMessage(server.url, headers, chatId, {
        content: 'Why is the sky blue?\nThanks',
        maxTokens: 3,
      }),
    );
    const { chat } = await getChat(server.url, headers, chatId);
    assert.equal(chat.title, 'Why is the sky blue?');
    assert.equal(chat.model, 'demo');
  });

  test('models, health, metrics and the OpenAPI document', async () => {
    const models = (await (await fetch(`${server.url}/api/models`)).json()) as {
      models: { id: string; local: boolean; label: string }[];
      defaultModel: string;
    };
    const demo = models.models.find((model) => model.id === 'demo');
    assert.equal(demo?.local, true);
    assert.match(demo?.label ?? '', /demo/i);
    assert.equal(models.defaultModel, 'demo');
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);

    const headers = anonymous();
    const chatId = await createChat(server.url, headers);
    await collectSse(await sendMessage(server.url, headers, chatId, { content: 'count me', maxTokens: 7 }));
    // The answer's end reaches the client a moment before the server finishes its bookkeeping.
    const metrics = await waitFor(async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      return /parley_generations_active 0/.test(text) && /parley_stream_subscribers 0/.test(text)
        ? text
        : undefined;
    });
    assert.match(metrics, /parley_generations_started_total\{model="demo",cached="false"\} [1-9]/);
    assert.match(metrics, /parley_generations_ended_total\{model="demo",status="complete"\} [1-9]/);
    assert.match(metrics, /parley_time_to_first_token_seconds_count\{model="demo"\} [1-9]/);
    assert.match(metrics, /parley_output_tokens_total\{model="demo"\} [1-9]/);

    const openapi = (await (await fetch(`${server.url}/docs/json`)).json()) as {
      paths: Record<string, unknown>;
    };
    assert.ok(openapi.paths['/api/chats/{id}/messages']);
    assert.ok(openapi.paths['/api/streams/{id}']);
  });
});

describe('ownership', () => {
  let server: RunningParley;
  before(async () => {
    server = await startParley();
  });
  after(() => server.close());

  test('another principal gets 404 everywhere, never the data', async () => {
    const owner = { authorization: `Bearer ${await userToken('owner')}` };
    const chatId = await createChat(server.url, owner);
    const events = await collectSse(
      await sendMessage(server.url, owner, chatId, { content: 'secret', maxTokens: 5 }),
    );
    const { streamId, messageId, token } = JSON.parse(events[0]?.data ?? '{}') as StartData;

    for (const intruder of [anonymous(), { authorization: `Bearer ${await userToken('intruder')}` }]) {
      const attempts: [string, string, RequestInit?][] = [
        ['GET', `/api/chats/${chatId}`],
        ['PATCH', `/api/chats/${chatId}`, { body: JSON.stringify({ title: 'mine' }) }],
        ['DELETE', `/api/chats/${chatId}`],
        ['POST', `/api/chats/${chatId}/messages`, { body: JSON.stringify({ content: 'hi' }) }],
        ['POST', `/api/chats/${chatId}/messages/${messageId}/regenerate`, { body: '{}' }],
        ['GET', `/api/chats/${chatId}/messages/${messageId}/versions`],
        ['GET', `/api/streams/${streamId}`],
        ['POST', `/api/streams/${streamId}/cancel`],
      ];
      for (const [method, path, init] of attempts) {
        const headers = { ...intruder, ...(init?.body && { 'content-type': 'application/json' }) };
        const response = await fetch(`${server.url}${path}`, { method, headers, ...init });
        await expectError(response, 404, 'NOT_FOUND');
      }
      const list = (await (await fetch(`${server.url}/api/chats`, { headers: intruder })).json()) as ChatPage;
      assert.deepEqual(list.chats, []);
    }

    const otherChat = await createChat(server.url, owner);
    const otherEvents = await collectSse(
      await sendMessage(server.url, owner, otherChat, { content: 'x', maxTokens: 2 }),
    );
    const otherStream = (JSON.parse(otherEvents[0]?.data ?? '{}') as StartData).streamId;
    await expectError(
      await fetch(`${server.url}/api/streams/${otherStream}?token=${token}`),
      401,
      'INVALID_TOKEN',
    );
    const { chat } = await getChat(server.url, owner, chatId);
    assert.notEqual(chat.title, 'mine');
  });
});

describe('bad input', () => {
  let server: RunningParley;
  before(async () => {
    server = await startParley();
  });
  after(() => server.close());

  test('each class of bad input gets a coded 4xx and writes nothing', async () => {
    const headers = anonymous();
    const chatId = await createChat(server.url, headers);
    const writesBefore = server.database.writeCount();
    const post = (path: string, body: string, extra: Record<string, string> = {}) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers, ...extra },
        body,
      });
    const messages = `/api/chats/${chatId}/messages`;

    await expectError(await post(messages, '{"content": "hi"'), 400, 'INVALID_JSON');
    await expectError(await post(messages, ''), 400, 'INVALID_JSON');
    await expectError(await post(messages, '{"__proto__": {"x": 1}, "content": "hi"}'), 400, 'INVALID_JSON');
    await expectError(await post(messages, '{"content": 42}'), 400, 'VALIDATION_FAILED', 'content');
    await expectError(
      await post(messages, '{"content": "hi", "temperature": "0.5"}'),
      400,
      'VALIDATION_FAILED',
      'temperature',
    );
    await expectError(
      await post(messages, '{"content": "hi", "temperature": 9}'),
      400,
      'VALIDATION_FAILED',
      'temperature',
    );
    await expectError(await post(messages, '{"content": ""}'), 400, 'VALIDATION_FAILED', 'content');
    await expectError(await post(messages, '{}'), 400, 'VALIDATION_FAILED', 'content');
    await expectError(await post(messages, '[]'), 400, 'VALIDATION_FAILED');
    await expectError(
      await post(messages, '{"content": "hi", "sneaky": true}'),
      400,
      'VALIDATION_FAILED',
      'sneaky',
    );
    await expectError(
      await post(messages, JSON.stringify({ content: 'x'.repeat(70_000) })),
      413,
      'BODY_TOO_LARGE',
    );
    await expectError(
      await post(messages, 'content=hi', { 'content-type': 'text/plain' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    await expectError(
      await post(messages, '{"content": "hi", "model": "nope"}'),
      400,
      'MODEL_NOT_FOUND',
      'model',
    );
    await expectError(
      await post('/api/chats/not-a-uuid/messages', '{"content": "hi"}'),
      400,
      'INVALID_ID',
      'id',
    );
    await expectError(
      await post('/api/chats/00000000-0000-4000-8000-000000000000/messages', '{"content": "hi"}'),
      404,
      'NOT_FOUND',
    );
    await expectError(await post('/api/chats', '{"model": "nope"}'), 400, 'MODEL_NOT_FOUND', 'model');
    await expectError(
      await fetch(`${server.url}/api/chats?limit=0`, { headers }),
      400,
      'VALIDATION_FAILED',
      'limit',
    );
    await expectError(
      await fetch(`${server.url}/api/chats?cursor=garbage`, { headers }),
      400,
      'VALIDATION_FAILED',
      'cursor',
    );
    await expectError(
      await fetch(`${server.url}/api/chats?unknown=1`, { headers }),
      400,
      'VALIDATION_FAILED',
      'unknown',
    );
    await expectError(
      await fetch(`${server.url}/api/streams/00000000-0000-4000-8000-000000000000`, { headers }),
      404,
      'NOT_FOUND',
    );
    await expectError(
      await fetch(`${server.url}/api/streams/00000000-0000-4000-8000-000000000000`, {
        headers: { ...headers, 'last-event-id': 'garbage' },
      }),
      400,
      'VALIDATION_FAILED',
      'lastEventId',
    );
    await expectError(await fetch(`${server.url}/api/nothing-here`, { headers }), 404, 'ROUTE_NOT_FOUND');
    assert.equal(server.database.writeCount(), writesBefore, 'no bad request wrote anything');
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200, 'the server is still up');
  });

  test('credentials are checked: missing, malformed, forged, expired, alg none', async () => {
    const list = (headers: Record<string, string>) => fetch(`${server.url}/api/chats`, { headers });
    await expectError(await list({}), 401, 'UNAUTHENTICATED');
    await expectError(await list({ 'x-anon-id': 'not-a-uuid' }), 401, 'UNAUTHENTICATED', 'x-anon-id');
    await expectError(await list({ authorization: 'Basic abc' }), 401, 'INVALID_TOKEN');
    await expectError(
      await list({ authorization: `Bearer ${await userToken('a', '1h', 'another-secret-entirely-xx')}` }),
      401,
      'INVALID_TOKEN',
    );
    await expectError(
      await list({ authorization: `Bearer ${await userToken('a', Math.floor(Date.now() / 1000) - 60)}` }),
      401,
      'TOKEN_EXPIRED',
    );
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: 'a', exp: Math.floor(Date.now() / 1000) + 600 }),
    ).toString('base64url')}.`;
    await expectError(await list({ authorization: `Bearer ${none}` }), 401, 'INVALID_TOKEN');
    const noExpiry = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('a')
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    await expectError(await list({ authorization: `Bearer ${noExpiry}` }), 401, 'INVALID_TOKEN');
    assert.equal((await list({ authorization: `Bearer ${await userToken('a')}` })).status, 200);
  });

  test('a stream GET with a token for nothing is refused', async () => {
    await expectError(
      await fetch(`${server.url}/api/streams/00000000-0000-4000-8000-000000000000?token=abc`),
      401,
      'INVALID_TOKEN',
    );
    await expectError(
      await fetch(`${server.url}/api/streams/00000000-0000-4000-8000-000000000000`),
      401,
      'UNAUTHENTICATED',
    );
    const created = await fetch(`${server.url}/api/chats`, json({}, anonymous()));
    assert.equal(created.status, 201);
  });
});
