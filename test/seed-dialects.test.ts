import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { EventSource } from 'eventsource';
import type { ChatHistory, SessionStreamEvent, StartedSession } from '../protocol/session-flow.ts';
import { longTestPrompt } from '../server/src/providers/demo/demo-provider.ts';
import { collectSse } from './helpers/sse-client.ts';
import { anonymous, json, type RunningParley, startParley } from './helpers/start-parley.ts';
import { startTcpProxy } from './helpers/tcp-proxy.ts';

/** Reads a seed 001 session the way its client does: EventSource, onmessage, until `done`. */
function readSession(url: string): Promise<SessionStreamEvent[]> {
  return new Promise((resolve, reject) => {
    const source = new EventSource(url);
    const events: SessionStreamEvent[] = [];
    source.onmessage = (message) => {
      const event = JSON.parse(message.data) as SessionStreamEvent;
      events.push(event);
      if (event.type === 'done') {
        source.close();
        resolve(events);
      }
    };
    source.onerror = (error) => {
      if (source.readyState === EventSource.CLOSED) {
        reject(new Error(`EventSource closed: ${error.message}`));
      }
    };
  });
}

const tokensOf = (events: SessionStreamEvent[]) =>
  events.map((event) => (event.type === 'token' ? event.content : '')).join('');

describe("seed 001's session flow", () => {
  let server: RunningParley;
  const headers = anonymous();
  before(async () => {
    server = await startParley({ demo: { tokensPerSecond: 300 } });
  });
  after(() => server.close());

  const start = async (body: object) => {
    const response = await fetch(`${server.url}/api/chat/start`, json(body, headers));
    assert.equal(response.status, 200);
    return (await response.json()) as StartedSession;
  };

  test('start, stream with EventSource, history', async () => {
    const session = await start({ prompt: 'What is AI?', modelId: 'demo', userId: 'ignored' });
    const events = await readSession(`${server.url}/api/chat/stream?sessionId=${session.sessionId}`);
    assert.equal(events.at(-1)?.type, 'done');
    assert.ok(events.filter((event) => event.type === 'token').length > 1);

    const history = (await (
      await fetch(`${server.url}/api/chat/history?chatId=${session.chatId}`, { headers })
    ).json()) as ChatHistory;
    assert.deepEqual(
      history.messages.map((message) => [message.role, message.content]),
      [
        ['user', 'What is AI?'],
        ['assistant', tokensOf(events)],
      ],
    );
    const next = await start({ prompt: 'And then?', chatId: session.chatId });
    assert.equal(next.chatId, session.chatId);
    await readSession(`${server.url}/api/chat/stream?sessionId=${next.sessionId}`);
  });

  test("EventSource's own reconnect resumes without a gap or a repeat", async () => {
    const proxy = await startTcpProxy(Number(new URL(server.url).port));
    try {
      const session = await start({ prompt: longTestPrompt });
      const reading = readSession(`${proxy.url}/api/chat/stream?sessionId=${session.sessionId}`);
      await new Promise((resolve) => setTimeout(resolve, 150));
      proxy.dropConnections();
      const events = await reading;
      const history = (await (
        await fetch(`${server.url}/api/chat/history?chatId=${session.chatId}`, { headers })
      ).json()) as ChatHistory;
      assert.equal(tokensOf(events), history.messages[1]?.content);
    } finally {
      await proxy.close();
    }
  });

  test('a forged or foreign session id is refused', async () => {
    const response = await fetch(`${server.url}/api/chat/stream?sessionId=not-a-session`);
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'INVALID_TOKEN');
    const history = await fetch(`${server.url}/api/chat/history?chatId=${randomUUID()}`, { headers });
    assert.equal(history.status, 404);
  });
});

describe("seed 003's message API", () => {
  let server: RunningParley;
  before(async () => {
    server = await startParley({ demo: { tokensPerSecond: 400 } });
  });
  after(() => server.close());

  test("the seed's fetch reader gets typing, deltas, complete and usage_info", async () => {
    const headers = anonymous();
    // Seed 003's client, with its line parsing kept as it is written there.
    const response = await fetch(`${server.url}/api/v1/messages/send`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'x-anon-id': headers['x-anon-id'] ?? '' },
      body: JSON.stringify({ chat_id: undefined, model: 'demo', content: 'Hello there', temperature: 0.7 }),
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const seen: [string, Record<string, unknown>][] = [];
    let event = '';
    let buffered = '';
    while (true) {
      const { done, value } = await reader.read();
      if (done) {
        break;
      }
      buffered += decoder.decode(value, { stream: true });
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('event: ')) {
          event = line.slice(7);
        } else if (line.startsWith('data: ')) {
          seen.push([event, JSON.parse(line.slice(6)) as Record<string, unknown>]);
        }
      }
    }
    const names = seen.map(([name]) => name);
    assert.equal(names[0], 'assistant_typing');
    assert.deepEqual(names.slice(-2), ['assistant_complete', 'usage_info']);
    assert.ok(names.filter((name) => name === 'assistant_delta').length > 1);
    const text = seen
      .filter(([name]) => name === 'assistant_delta')
      .map(([, data]) => data.delta)
      .join('');
    const complete = seen.at(-2)?.[1] as { content: string; role: string; chat_id: string };
    assert.equal(complete.content, text);
    assert.equal(complete.role, 'assistant');
    const usage = seen.at(-1)?.[1] as { messages_today: number; output_tokens_today: number };
    assert.equal(usage.messages_today, 1);
    assert.ok(usage.output_tokens_today > 0);

    const typing = seen[0]?.[1] as { message_id: string } | undefined;
    const regenerated = await collectSse(
      await fetch(`${server.url}/api/v1/messages/${typing?.message_id}/regenerate`, {
        method: 'POST',
        headers,
      }),
    );
    assert.equal(regenerated[0]?.event, 'assistant_regenerating');
    assert.deepEqual(
      regenerated.slice(-2).map((frame) => frame.event),
      ['assistant_regenerated', 'usage_info'],
    );
  });

  test('errors before the stream are coded JSON; the test endpoint streams to EventSource', async () => {
    const headers = anonymous();
    const bad = await fetch(
      `${server.url}/api/v1/messages/send`,
      json({ content: 'x', model: 'nope' }, headers),
    );
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'MODEL_NOT_FOUND');
    const anonymousless = await fetch(`${server.url}/api/v1/messages/send`, json({ content: 'x' }, {}));
    assert.equal(anonymousless.status, 401);

    const events = await new Promise<string[]>((resolve) => {
      const source = new EventSource(`${server.url}/api/v1/messages/test-sse`);
      const names: string[] = [];
      source.addEventListener('test_message', (message) => {
        names.push(`${message.type}:${JSON.parse(message.data).counter}`);
      });
      source.addEventListener('test_complete', () => {
        source.close();
        resolve([...names, 'test_complete']);
      });
    });
    assert.deepEqual(events, [
      'test_message:1',
      'test_message:2',
      'test_message:3',
      'test_message:4',
      'test_message:5',
      'test_complete',
    ]);
    const posted = await collectSse(
      await fetch(`${server.url}/api/v1/messages/test-sse`, { method: 'POST' }),
    );
    assert.equal(posted.length, 6);
  });
});
