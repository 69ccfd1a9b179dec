import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StartData } from '../protocol/events.ts';
import { streamKeyOf } from '../server/src/generation/stream-key.ts';
import { createDemoProvider, longTestPrompt } from '../server/src/providers/demo/demo-provider.ts';
import { countTokens } from '../server/src/providers/tokenizer.ts';
import { getChat, resumeStream, sendMessage, waitForSavedAnswer } from './helpers/native-client.ts';
import { collectSse, readSse, type SseEvent, textOf } from './helpers/sse-client.ts';
import { anonymous, createChat, type RunningParley, startParley } from './helpers/start-parley.ts';

function startOf(events: SseEvent[]): StartData {
  const start = events[0];
  assert.equal(start?.event, 'start');
  return JSON.parse(start.data) as StartData;
}

describe('the exact bytes of a stream', () => {
  let server: RunningParley;
  const clock = new Date('2026-11-21T10:00:00.000Z');
  let nextId = 0;
  before(async () => {
    server = await startParley({
      generation: { batchWindowMs: 0 },
      now: () => clock,
      newId: () => `00000000-0000-4000-8000-${String(++nextId).padStart(12, '0')}`,
      streamLog: { now: () => clock.getTime() },
    });
  });
  after(() => server.close());

  test('ids, event names and data, token by token', async () => {
    const headers = anonymous('6f1c1f7e-0000-4000-8000-000000000001');
    const chatId = await createChat(server.url, headers);
    const body = { content: 'Tell me about bread', seed: 7, maxTokens: 5 };
    const response = await sendMessage(server.url, headers, chatId, body);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal(response.headers.get('cache-control'), 'no-cache, no-transform');
    const wire = await response.text();

    // What the demo model streams for the same request, token by token.
    const tokens: string[] = [];
    for await (const event of createDemoProvider({ tokensPerSecond: 0, firstTokenDelayMs: 0 }).stream(
      { model: 'demo', messages: [{ role: 'user', content: body.content }], seed: 7, maxTokens: 5 },
      new AbortController().signal,
    )) {
      if (event.type === 'text') {
        tokens.push(event.text);
      }
    }
    assert.equal(tokens.length, 5);

    const token = /"token":"([^"]+)"/.exec(wire)?.[1];
    assert.match(token ?? '', /^[\w-]+\.[\w-]+\.[\w-]+$/, 'start carries a signed stream token');
    const ms = clock.getTime();
    const start = {
      streamId: '00000000-0000-4000-8000-000000000003',
      chatId: '00000000-0000-4000-8000-000000000001',
      messageId: '00000000-0000-4000-8000-000000000003',
      userMessageId: '00000000-0000-4000-8000-000000000002',
      model: 'demo',
      cached: false,
      createdAt: '2026-11-21T10:00:00.000Z',
      token,
    };
    const frames = [
      `id: ${ms}-0\nevent: start\ndata: ${JSON.stringify(start)}\n\n`,
      ...tokens.map(
        (text, index) => `id: ${ms}-${index + 1}\nevent: text\ndata: ${JSON.stringify({ text })}\n\n`,
      ),
      `id: ${ms}-6\nevent: usage\ndata: {"inputTokens":${countTokens(body.content)},"outputTokens":5}\n\n`,
      `id: ${ms}-7\nevent: end\ndata: {"status":"complete","finishReason":"length"}\n\n`,
    ];
    assert.equal(wire, frames.join(''));
  });
});

describe('resume, fan-out and detachment', () => {
  let server: RunningParley;
  before(async () => {
    server = await startParley({ demo: { tokensPerSecond: 400, firstTokenDelayMs: 0 } });
  });
  after(() => server.close());

  test('a finished stream resumed after every event id gives exactly the rest', async () => {
    const headers = anonymous();
    const chatId = await createChat(server.url, headers);
    const all = await collectSse(
      await sendMessage(server.url, headers, chatId, { content: 'rivers', maxTokens: 30 }),
    );
    assert.equal(all.at(-1)?.event, 'end');
    const { streamId } = startOf(all);
    for (const [index, event] of all.entries()) {
      const rest = await collectSse(await resumeStream(server.url, headers, streamId, event.id));
      assert.deepEqual(rest, all.slice(index + 1), `resume after ${event.id}`);
    }
  });

  test('a live stream resumed after every event id, while it streams, gives exactly the rest', async () => {
    const headers = anonymous();
    const chatId = await createChat(server.url, headers);
    const response = await sendMessage(server.url, headers, chatId, { content: 'mountains', maxTokens: 60 });
    const seen: SseEvent[] = [];
    const resumes: Promise<{ after: number; events: SseEvent[] }>[] = [];
    let streamId = '';
    for await (const event of readSse(response.body as ReadableStream<Uint8Array>)) {
      seen.push(event);
      if (event.event === 'start') {
        streamId = (JSON.parse(event.data) as StartData).streamId;
      }
      const after = seen.length;
      resumes.push(
        resumeStream(server.url, headers, streamId, event.id).then(async (r) => ({
          after,
          events: await collectSse(r),
        })),
      );
    }
    assert.equal(seen.at(-1)?.event, 'end');
    assert.ok(
      seen.filter((event) => event.event === 'text').length > 1,
      'the answer streamed in several events',
    );
    for (const { after, events } of await Promise.all(resumes)) {
      assert.deepEqual(events, seen.slice(after), `resume after event ${after}`);
    }
  });

  test('several concurrent subscribers see the same sequence', async () => {
    const headers = anonymous();
    const chatId = await createChat(server.url, headers);
    const response = await sendMessage(server.url, headers, chatId, { content: 'the sea', maxTokens: 80 });
    const iterator = readSse(response.body as ReadableStream<Uint8Array>);
    const first = (await iterator.next()).value as SseEvent;
    const { streamId } = JSON.parse(first.data) as StartData;
    const subscribers = await Promise.all(
      Array.from({ length: 8 }, () => resumeStream(server.url, headers, streamId).then(collectSse)),
    );
    const original = [first];
    for await (const event of { [Symbol.asyncIterator]: () => iterator }) {
      original.push(event);
    }
    for (const events of subscribers) {
      assert.deepEqual(events, original);
    }
  });

  test('a client that disconnects mid-stream still gets its whole answer saved', async () => {
    const headers = anonymous();
    const chatId = await createChat(server.url, headers);
    const disconnect = new AbortController();
    const response = await sendMessage(
      server.url,
      headers,
      chatId,
      // The long-answer prompt always runs to maxTokens, so the saved length is known.
      { content: longTestPrompt, maxTokens: 120 },
      disconnect.signal,
    );
    const iterator = readSse(response.body as ReadableStream<Uint8Array>);
    const start = JSON.parse(((await iterator.next()).value as SseEvent).data) as StartData;
    await iterator.next();
    disconnect.abort();

    const saved = await waitForSavedAnswer(server.url, headers, chatId, start.messageId);
    assert.equal(saved.status, 'complete');
    assert.equal(saved.outputTokens, 120);
    const replay = await collectSse(await resumeStream(server.url, headers, start.streamId));
    assert.equal(saved.content, textOf(replay));
    assert.ok(saved.content.length > 100);
  });

  test('pings keep an idle stream alive, each with an id', async () => {
    const slow = await startParley({
      demo: { tokensPerSecond: 20, firstTokenDelayMs: 0 },
      generation: { pingIntervalMs: 30 },
    });
    try {
      const headers = anonymous();
      const chatId = await createChat(slow.url, headers);
      const events = await collectSse(
        await sendMessage(slow.url, headers, chatId, { content: 'pings', maxTokens: 6 }),
      );
      const pings = events.filter((event) => event.event === 'ping');
      assert.ok(pings.length >= 2, `expected pings, got ${pings.length}`);
      assert.ok(pings.every((ping) => ping.id && ping.data === '{}'));
    } finally {
      await slow.close();
    }
  });

  test('an EventSource-style resume with a stream token and no headers', async () => {
    const headers = anonymous();
    const chatId = await createChat(server.url, headers);
    const events = await collectSse(
      await sendMessage(server.url, headers, chatId, { content: 'tokens', maxTokens: 10 }),
    );
    const { streamId, token } = startOf(events);
    const replay = await collectSse(
      await fetch(`${server.url}/api/streams/${streamId}?token=${token}&lastEventId=${events[2]?.id}`),
    );
    assert.deepEqual(replay, events.slice(3));
  });

  test('GET /api/streams lists the caller’s active generations with tokens', async () => {
    const headers = anonymous();
    const chatId = await createChat(server.url, headers);
    const response = await sendMessage(server.url, headers, chatId, {
      content: longTestPrompt,
      maxTokens: 400,
    });
    const iterator = readSse(response.body as ReadableStream<Uint8Array>);
    const start = JSON.parse(((await iterator.next()).value as SseEvent).data) as StartData;
    const listed = (await (await fetch(`${server.url}/api/streams`, { headers })).json()) as {
      streams: { streamId: string; chatId: string; token: string }[];
    };
    assert.deepEqual(
      listed.streams.map((stream) => [stream.streamId, stream.chatId]),
      [[start.streamId, chatId]],
    );
    const other = (await (await fetch(`${server.url}/api/streams`, { headers: anonymous() })).json()) as {
      streams: unknown[];
    };
    assert.deepEqual(other.streams, []);
    for await (const _ of { [Symbol.asyncIterator]: () => iterator }) {
      // Drain the stream so the generation ends before the next test.
    }
    const after = (await (await fetch(`${server.url}/api/streams`, { headers })).json()) as {
      streams: unknown[];
    };
    assert.deepEqual(after.streams, []);
  });

  test('an expired stream is answered from the database', async () => {
    const brief = await startParley({ streamLog: { ttlAfterEndMs: 300 } });
    try {
      const headers = anonymous();
      const chatId = await createChat(brief.url, headers);
      const live = await collectSse(
        await sendMessage(brief.url, headers, chatId, { content: 'memory', maxTokens: 12 }),
      );
      const { streamId } = startOf(live);
      await new Promise((resolve) => setTimeout(resolve, 400));
      const key = streamKeyOf({ ownerId: `anon:${headers['x-anon-id']}`, chatId, streamId });
      assert.equal(await brief.streamLog.exists(key), false);
      const replay = await collectSse(await resumeStream(brief.url, headers, streamId));
      assert.deepEqual(
        replay.map((event) => [event.id, event.event]),
        [
          ['0-1', 'start'],
          ['0-2', 'text'],
          ['0-3', 'usage'],
          ['0-4', 'end'],
        ],
      );
      assert.equal(textOf(replay), textOf(live));
      const rest = await collectSse(await resumeStream(brief.url, headers, streamId, '0-2'));
      assert.deepEqual(
        rest.map((event) => event.event),
        ['usage', 'end'],
      );
      const { messages } = await getChat(brief.url, headers, chatId);
      assert.equal(messages[1]?.content, textOf(live));
    } finally {
      await brief.close();
    }
  });
});
