import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MessageVersions } from '../protocol/api.ts';
import type { StartData } from '../protocol/events.ts';
import { streamAliasOf } from '../server/src/generation/stream-alias.ts';
import { streamKeyOf } from '../server/src/generation/stream-key.ts';
import { longTestPrompt } from '../server/src/providers/demo/demo-provider.ts';
import { getChat, resumeStream, sendMessage, waitForSavedAnswer } from './helpers/native-client.ts';
import { collectSse, readSse, type SseEvent, textOf } from './helpers/sse-client.ts';
import { anonymous, createChat, json, type RunningParley, startParley } from './helpers/start-parley.ts';

describe('cancel, regenerate and retries', () => {
  let server: RunningParley;
  before(async () => {
    server = await startParley({ demo: { tokensPerSecond: 200, firstTokenDelayMs: 0 } });
  });
  after(() => server.close());

  test('cancel stops the answer and saves the partial text as cancelled', async () => {
    const headers = anonymous();
    const chatId = await createChat(server.url, headers);
    const response = await sendMessage(server.url, headers, chatId, {
      content: longTestPrompt,
      maxTokens: 2000,
    });
    const events: SseEvent[] = [];
    let cancelled: Promise<Response> | undefined;
    for await (const event of readSse(response.body as ReadableStream<Uint8Array>)) {
      events.push(event);
      if (event.event === 'text' && !cancelled) {
        const { streamId } = JSON.parse(events[0]?.data ?? '{}') as StartData;
        cancelled = fetch(`${server.url}/api/streams/${streamId}/cancel`, { method: 'POST', headers });
      }
    }
    const result = (await (cancelled as Promise<Response>).then((r) => r.json())) as { status: string };
    assert.equal(result.status, 'cancelled');
    assert.deepEqual(
      events.slice(-3).map((event) => event.event),
      ['usage', 'cancel', 'end'],
    );
    assert.deepEqual(JSON.parse(events.at(-1)?.data ?? ''), {
      status: 'cancelled',
      finishReason: 'cancelled',
    });
    const start = JSON.parse(events[0]?.data ?? '{}') as StartData;
    const saved = await waitForSavedAnswer(server.url, headers, chatId, start.messageId);
    assert.equal(saved.status, 'cancelled');
    assert.equal(saved.content, textOf(events));
    assert.ok(saved.content.length > 0);
    assert.ok((saved.outputTokens ?? 0) < 2000, 'the model stopped early');

    const again = await fetch(`${server.url}/api/streams/${start.streamId}/cancel`, {
      method: 'POST',
      headers,
    });
    assert.equal(again.status, 200);
    assert.equal(((await again.json()) as { status: string }).status, 'cancelled');
  });

  test('regenerate streams a new version and keeps the old one', async () => {
    const headers = anonymous();
    const chatId = await createChat(server.url, headers);
    const first = await collectSse(
      await sendMessage(server.url, headers, chatId, { content: 'volcanoes', seed: 1 }),
    );
    const firstStart = JSON.parse(first[0]?.data ?? '{}') as StartData;
    const second = await collectSse(
      await fetch(
        `${server.url}/api/chats/${chatId}/messages/${firstStart.messageId}/regenerate`,
        json({ seed: 2 }, headers),
      ),
    );
    const secondStart = JSON.parse(second[0]?.data ?? '{}') as StartData;
    assert.notEqual(secondStart.messageId, firstStart.messageId);
    assert.equal(secondStart.userMessageId, firstStart.userMessageId);
    assert.notEqual(textOf(second), textOf(first));

    const { messages } = await getChat(server.url, headers, chatId);
    assert.deepEqual(
      messages.map((message) => [message.role, message.id]),
      [
        ['user', firstStart.userMessageId],
        ['assistant', secondStart.messageId],
      ],
    );
    const versions = (await (
      await fetch(`${server.url}/api/chats/${chatId}/messages/${secondStart.messageId}/versions`, { headers })
    ).json()) as MessageVersions;
    assert.deepEqual(
      versions.versions.map((version) => [version.id, version.content]),
      [
        [firstStart.messageId, textOf(first)],
        [secondStart.messageId, textOf(second)],
      ],
    );
  });

  test('the model sees the conversation so far', async () => {
    const headers = anonymous();
    const chatId = await createChat(server.url, headers);
    const first = await collectSse(
      await sendMessage(server.url, headers, chatId, { content: 'one', maxTokens: 5 }),
    );
    const second = await collectSse(
      await sendMessage(server.url, headers, chatId, { content: 'two', maxTokens: 5 }),
    );
    const usage = (events: SseEvent[]) =>
      JSON.parse(events.find((event) => event.event === 'usage')?.data ?? '{}') as { inputTokens: number };
    assert.ok(usage(second).inputTokens > usage(first).inputTokens + 2);
    const { messages } = await getChat(server.url, headers, chatId);
    assert.deepEqual(
      messages.map((message) => message.role),
      ['user', 'assistant', 'user', 'assistant'],
    );
  });

  test('a retried POST with the same clientMessageId attaches to the same generation', async () => {
    const headers = anonymous();
    const chatId = await createChat(server.url, headers);
    const body = { content: 'idempotent', clientMessageId: 'client-1', maxTokens: 300 };
    const [one, two] = await Promise.all([
      sendMessage(server.url, headers, chatId, body).then(collectSse),
      sendMessage(server.url, headers, chatId, body).then(collectSse),
    ]);
    assert.equal(JSON.parse(one?.[0]?.data ?? '').streamId, JSON.parse(two?.[0]?.data ?? '').streamId);
    const late = await collectSse(await sendMessage(server.url, headers, chatId, body));
    assert.equal(textOf(late), textOf(one ?? []));
    const { messages } = await getChat(server.url, headers, chatId);
    assert.equal(messages.filter((message) => message.role === 'user').length, 1);
    assert.equal(messages.filter((message) => message.role === 'assistant').length, 1);
  });

  test('a chat with an answer in flight refuses a second one', async () => {
    const headers = anonymous();
    const chatId = await createChat(server.url, headers);
    const running = await sendMessage(server.url, headers, chatId, { content: longTestPrompt });
    const iterator = readSse(running.body as ReadableStream<Uint8Array>);
    const start = JSON.parse(((await iterator.next()).value as SseEvent).data) as StartData;
    const refused = await sendMessage(server.url, headers, chatId, { content: 'second' });
    assert.equal(refused.status, 409);
    assert.equal(
      ((await refused.json()) as { error: { code: string } }).error.code,
      'GENERATION_IN_PROGRESS',
    );
    await fetch(`${server.url}/api/streams/${start.streamId}/cancel`, { method: 'POST', headers });
    const { messages } = await getChat(server.url, headers, chatId);
    assert.deepEqual(
      messages.map((message) => message.role),
      ['user', 'assistant'],
      'the refused message was not saved',
    );
  });

  test('deleting a chat stops its running answer', async () => {
    const headers = anonymous();
    const chatId = await createChat(server.url, headers);
    const running = await sendMessage(server.url, headers, chatId, { content: longTestPrompt });
    const iterator = readSse(running.body as ReadableStream<Uint8Array>);
    const start = JSON.parse(((await iterator.next()).value as SseEvent).data) as StartData;
    const deleted = await fetch(`${server.url}/api/chats/${chatId}`, { method: 'DELETE', headers });
    assert.equal(deleted.status, 204);
    const rest: SseEvent[] = [];
    for await (const event of { [Symbol.asyncIterator]: () => iterator }) {
      rest.push(event);
    }
    assert.equal(rest.at(-1)?.event, 'end');
    assert.equal(server.parley.generations.runningCount(), 0);
    assert.equal((await fetch(`${server.url}/api/chats/${chatId}`, { headers })).status, 404);
    assert.equal((await resumeStream(server.url, headers, start.streamId)).status, 404);
  });

  test("a deleted chat's answers are no longer replayed from the stream log", async () => {
    const headers = anonymous();
    const chatId = await createChat(server.url, headers);
    const events = await collectSse(await sendMessage(server.url, headers, chatId, { content: 'hello' }));
    const { streamId } = JSON.parse(events[0]?.data ?? '{}') as StartData;
    const ownerId = `anon:${headers['x-anon-id']}`;
    const key = streamKeyOf({ ownerId, chatId, streamId });
    assert.equal(await server.streamLog.exists(key), true, 'an ended answer stays in the log for a while');
    assert.equal((await resumeStream(server.url, headers, streamId)).status, 200);

    const deleted = await fetch(`${server.url}/api/chats/${chatId}`, { method: 'DELETE', headers });
    assert.equal(deleted.status, 204);
    assert.equal(await server.streamLog.exists(key), false);
    assert.equal(await server.streamLog.findAlias(streamAliasOf({ ownerId, streamId })), undefined);
    const resumed = await resumeStream(server.url, headers, streamId);
    assert.equal(resumed.status, 404);
    assert.equal(((await resumed.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
  });
});
