import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { ChatPage, CreatedApiKey } from '../protocol/api.ts';
import { fakeOpenAIEnv, startFakeOpenAI } from './fakes/fake-openai-server.ts';
import { type FakeUpstream, fakeAnswer } from './fakes/fake-upstream.ts';
import { getChat, sendMessage } from './helpers/native-client.ts';
import { collectSse } from './helpers/sse-client.ts';
import { anonymous, createChat, json, type RunningParley, startParley } from './helpers/start-parley.ts';
import { waitFor } from './helpers/wait-for.ts';

describe('the OpenAI-compatible API, driven by the official openai client', () => {
  let server: RunningParley;
  let upstream: FakeUpstream;
  let client: OpenAI;
  let key: CreatedApiKey;
  const owner = anonymous();

  before(async () => {
    upstream = await startFakeOpenAI();
    server = await startParley({
      env: fakeOpenAIEnv(upstream.url),
    });
    key = (await (
      await fetch(`${server.url}/api/keys`, json({ name: 'sdk' }, owner))
    ).json()) as CreatedApiKey;
    client = new OpenAI({ apiKey: key.key, baseURL: `${server.url}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await server.close();
    await upstream.close();
  });

  test('streaming: role first, content deltas, finish_reason, a usage chunk with no choices', async () => {
    const stream = await client.chat.completions.create({
      model: 'demo',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Tell me about tea' },
      ],
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 12,
      seed: 5,
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
    }
    assert.equal(chunks[0]?.choices[0]?.delta.role, 'assistant');
    assert.ok(
      chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.id === chunks[0]?.id),
    );
    const content = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    const withFinish = chunks.filter((chunk) => chunk.choices[0]?.finish_reason);
    assert.deepEqual(
      withFinish.map((chunk) => chunk.choices[0]?.finish_reason),
      ['length'],
    );
    const last = chunks.at(-1);
    assert.deepEqual(last?.choices, []);
    assert.equal(last?.usage?.completion_tokens, 12);
    assert.equal(last?.usage?.total_tokens, (last?.usage?.prompt_tokens ?? 0) + 12);

    const whole = await client.chat.completions.create({
      model: 'demo',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Tell me about tea' },
      ],
      max_tokens: 12,
      seed: 5,
    });
    assert.equal(whole.object, 'chat.completion');
    assert.equal(whole.choices[0]?.message.role, 'assistant');
    assert.equal(whole.choices[0]?.message.content, content, 'streaming and not give the same answer');
    assert.equal(whole.choices[0]?.finish_reason, 'length');
    assert.equal(whole.usage?.completion_tokens, 12);
  });

  test('models lists the demo and the configured upstream', async () => {
    const models: string[] = [];
    for await (const model of client.models.list()) {
      models.push(model.id);
    }
    assert.ok(models.includes('demo'));
    assert.ok(models.includes('local/fake-model'));
  });

  test('relays a real upstream, and requests stay out of the chat list', async () => {
    const whole = await client.chat.completions.create({
      model: 'local/fake-model',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(whole.choices[0]?.message.content, fakeAnswer(20));
    const upstreamBody = upstream.requests.at(-1)?.body as { stream: boolean; messages: unknown };
    assert.equal(upstreamBody.stream, true);
    assert.deepEqual(upstreamBody.messages, [{ role: 'user', content: 'hi' }]);
    const list = (await (await fetch(`${server.url}/api/chats`, { headers: owner })).json()) as ChatPage;
    assert.deepEqual(list.chats, []);
  });

  test('parallel requests from one key all stream at once, and none waits for another', async () => {
    // Slow enough that all of them are streaming together: a chat that ran one answer at a time would refuse.
    upstream.setScenario({ interTokenDelayMs: 20 });
    try {
      const answers = await Promise.all(
        Array.from({ length: 5 }, async () => {
          const stream = await client.chat.completions.create({
            model: 'local/fake-model',
            messages: [{ role: 'user', content: 'in parallel' }],
            stream: true,
          });
          let text = '';
          for await (const chunk of stream) {
            text += chunk.choices[0]?.delta.content ?? '';
          }
          return text;
        }),
      );
      assert.deepEqual(answers, Array(5).fill(fakeAnswer(20)));
    } finally {
      upstream.setScenario({});
    }
    const list = (await (await fetch(`${server.url}/api/chats`, { headers: owner })).json()) as ChatPage;
    assert.deepEqual(list.chats, []);
  });

  test('an owner who deletes their hidden chat gets a new one with the next request', async () => {
    const ownerId = `anon:${owner['x-anon-id']}`;
    const hidden = await server.repositories.chats.ensureHiddenChat(ownerId, 'demo', new Date());
    const deleted = await fetch(`${server.url}/api/chats/${hidden.id}`, { method: 'DELETE', headers: owner });
    assert.equal(deleted.status, 204);
    const whole = await client.chat.completions.create({
      model: 'demo',
      max_tokens: 3,
      messages: [{ role: 'user', content: 'after the delete' }],
    });
    assert.ok(whole.choices[0]?.message.content);
    assert.ok(await server.repositories.chats.getChat(ownerId, hidden.id), 'made again, under the same id');
  });

  test('chat_id opts a request into a chat of the caller', async () => {
    const chatId = await createChat(server.url, owner);
    await client.chat.completions.create({
      model: 'demo',
      messages: [{ role: 'user', content: 'remember me' }],
      max_tokens: 4,
      // @ts-expect-error Parley's extension to the request body.
      chat_id: chatId,
    });
    const { messages } = await getChat(server.url, owner, chatId);
    assert.deepEqual(
      messages.map((message) => [message.role, message.status]),
      [
        ['user', 'complete'],
        ['assistant', 'complete'],
      ],
    );
    assert.equal(messages[0]?.content, 'remember me');
  });

  test('errors arrive as OpenAI error objects with matching statuses', async () => {
    const stranger = new OpenAI({ apiKey: 'pk-not-a-key', baseURL: `${server.url}/v1`, maxRetries: 0 });
    await assert.rejects(
      stranger.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => error instanceof OpenAI.AuthenticationError && error.code === 'invalid_api_key',
    );
    await assert.rejects(
      client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.code === 'model_not_found',
    );
    await assert.rejects(
      client.chat.completions.create({
        model: 'demo',
        messages: [{ role: 'user', content: 'x' }],
        temperature: 7,
      }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.param === 'temperature',
    );
  });

  test('a request the provider refuses is a 400 provider_rejected, not an unreadable answer', async () => {
    upstream.setScenario({ fixture: 'openai-invalid-request' });
    try {
      await assert.rejects(
        client.chat.completions.create({
          model: 'local/fake-model',
          messages: [{ role: 'user', content: 'x' }],
        }),
        (error: unknown) => error instanceof OpenAI.BadRequestError && error.code === 'provider_rejected',
      );
    } finally {
      upstream.setScenario({});
    }
  });

  test('a mid-stream upstream error reaches the client as an error, not a silent end', async () => {
    upstream.setScenario({ fixture: 'openai-midstream-error' });
    try {
      const stream = await client.chat.completions.create({
        model: 'local/fake-model',
        messages: [{ role: 'user', content: 'x' }],
        stream: true,
      });
      let text = '';
      await assert.rejects(async () => {
        for await (const chunk of stream) {
          text += chunk.choices[0]?.delta.content ?? '';
        }
      }, OpenAI.APIError);
      assert.equal(text, 'Partial');
    } finally {
      upstream.setScenario({});
    }
  });

  test('an aborted stream cancels the generation and closes the upstream request', async () => {
    upstream.setScenario({ tokens: 500, interTokenDelayMs: 20 });
    try {
      const stream = await client.chat.completions.create({
        model: 'local/fake-model',
        messages: [{ role: 'user', content: 'a long one' }],
        stream: true,
      });
      let chunks = 0;
      for await (const _ of stream) {
        if (++chunks === 3) {
          stream.controller.abort();
        }
      }
      const closed = await upstream.requests.at(-1)?.closed;
      assert.equal(closed?.finished, false, 'Parley hung up on the upstream before it finished');
      await waitFor(async () => (server.parley.generations.runningCount() === 0 ? true : undefined));
    } finally {
      upstream.setScenario({});
    }
  });

  test('tool calls from the upstream arrive as tool_call events and as OpenAI tool_calls', async () => {
    upstream.setScenario({ fixture: 'openai-tool-call' });
    try {
      const chatId = await createChat(server.url, owner, { model: 'local/fake-model' });
      const native = await collectSse(await sendMessage(server.url, owner, chatId, { content: 'weather?' }));
      const calls = native
        .filter((event) => event.event === 'tool_call')
        .map((event) => JSON.parse(event.data));
      assert.deepEqual(
        calls.map((call) => [call.id, call.name, JSON.parse(call.arguments)]),
        [
          ['call_8wUSXXMNxu9u1Mf9zvb2lGo4', 'get_weather', { location: 'Paris' }],
          ['call_q2ELx5ZHtcvyBqsFsYlzX0uT', 'get_time', { zone: 'Europe/Paris' }],
        ],
      );
      assert.deepEqual(JSON.parse(native.at(-1)?.data ?? '{}').finishReason, 'tool_calls');

      const whole = await client.chat.completions.create({
        model: 'local/fake-model',
        messages: [{ role: 'user', content: 'weather?' }],
      });
      assert.equal(whole.choices[0]?.finish_reason, 'tool_calls');
      assert.deepEqual(
        whole.choices[0]?.message.tool_calls?.map((call) => call.type === 'function' && call.function.name),
        ['get_weather', 'get_time'],
      );
      const stream = await client.chat.completions.create({
        model: 'local/fake-model',
        messages: [{ role: 'user', content: 'weather?' }],
        stream: true,
      });
      const deltas = [];
      for await (const chunk of stream) {
        deltas.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
      }
      assert.deepEqual(
        deltas.map((delta) => [delta.index, delta.function?.name]),
        [
          [0, 'get_weather'],
          [1, 'get_time'],
        ],
      );
    } finally {
      upstream.setScenario({});
    }
  });

  test("seed 000's {prompt} body streams OpenAI chunks ending in [DONE]", async () => {
    const response = await fetch(
      `${server.url}/v1/chat/completions`,
      json({ prompt: 'Hello!', stream: true, max_tokens: 3 }, { authorization: `Bearer ${key.key}` }),
    );
    const body = await response.text();
    assert.match(body, /^data: \{"id":"chatcmpl-/);
    assert.ok(body.endsWith('data: [DONE]\n\n'));
  });

  test('a revoked key stops working', async () => {
    const second = (await (await fetch(`${server.url}/api/keys`, json({}, owner))).json()) as CreatedApiKey;
    const listed = (await (await fetch(`${server.url}/api/keys`, { headers: owner })).json()) as {
      keys: { id: string; prefix: string }[];
    };
    assert.ok(
      listed.keys.some((listedKey) => listedKey.id === second.id && second.key.startsWith(listedKey.prefix)),
    );
    assert.ok(!JSON.stringify(listed).includes(second.key), 'the secret is never listed');
    const revoked = await fetch(`${server.url}/api/keys/${second.id}`, { method: 'DELETE', headers: owner });
    assert.equal(revoked.status, 204);
    const revokedClient = new OpenAI({ apiKey: second.key, baseURL: `${server.url}/v1`, maxRetries: 0 });
    await assert.rejects(revokedClient.models.list(), OpenAI.AuthenticationError);
  });
});
