import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StartData } from '../../protocol/events.ts';
import { longTestPrompt } from '../../server/src/providers/demo/demo-provider.ts';
import { resumeStream, sendMessage, waitForSavedAnswer } from '../helpers/native-client.ts';
import { createScaleOut, type ScaleOut, scaleOutSkip } from '../helpers/scale-out.ts';
import { freePort } from '../helpers/spawn-parley.ts';
import { readSse, type SseEvent, textOf } from '../helpers/sse-client.ts';
import { anonymous, createChat } from '../helpers/start-parley.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';
import { waitFor } from '../helpers/wait-for.ts';

/** A Redis of this test's own, so restarting it disturbs nothing else; like CI's, it keeps nothing on disk. */
async function startRedis(port: number): Promise<ChildProcess> {
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await waitFor(async () => {
    const probe = await fetch(`http://127.0.0.1:${port}`).catch((error: unknown) => error);
    // Redis answers an HTTP request by closing the connection; a refused connection means not up yet.
    return String((probe as Error).cause ?? probe).includes('ECONNREFUSED') ? undefined : true;
  });
  return redis;
}

/** Reads an answer to its end across broken connections, resuming from the last id as EventSource would. */
async function readToEnd(url: string, headers: Record<string, string>, first: Response): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  let response: Response | undefined = first;
  let streamId = '';
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      if (response?.ok) {
        for await (const event of readSse(response.body as ReadableStream<Uint8Array>)) {
          events.push(event);
          if (event.event === 'start') {
            streamId = (JSON.parse(event.data) as StartData).streamId;
          }
          if (event.event === 'end') {
            return events;
          }
        }
      }
    } catch {
      // The connection broke with the backing service; resume below.
    }
    await sleep(200);
    response = await resumeStream(url, headers, streamId, events.at(-1)?.id).catch(() => undefined);
  }
  assert.fail('the answer never ended');
}

/** What a client shows: `start` resets the answer, so only the events after the last one count. */
function shown(events: SseEvent[]): SseEvent[] {
  const lastStart = events.findLastIndex((event) => event.event === 'start');
  return events.slice(lastStart);
}

describe('backing services that go away and come back', { skip: scaleOutSkip }, () => {
  const clusters: ScaleOut[] = [];
  after(() => Promise.all(clusters.map((cluster) => cluster.cleanup())));

  test('a Redis restart mid-answer: the answer recovers, the client ends with all of it', async () => {
    const port = await freePort();
    let redis = await startRedis(port);
    const cluster = await createScaleOut({
      DEMO_TOKENS_PER_SECOND: '100',
      APPEND_RETRY_MS: '20000',
      LOG_LEVEL: 'fatal',
    });
    clusters.push(cluster);
    try {
      const parley = await cluster.start({ REDIS_URL: `redis://127.0.0.1:${port}` });
      const headers = anonymous();
      const chatId = await createChat(parley.url, headers);
      const response = await sendMessage(parley.url, headers, chatId, {
        content: longTestPrompt,
        maxTokens: 150,
      });
      const reading = readToEnd(parley.url, headers, response);
      await sleep(300);
      redis.kill('SIGKILL');
      await once(redis, 'exit');
      await sleep(500);
      redis = await startRedis(port);

      const events = await reading;
      const visible = shown(events);
      const start = JSON.parse(visible[0]?.data ?? '{}') as StartData;
      const saved = await waitForSavedAnswer(parley.url, headers, chatId, start.messageId);
      assert.equal(saved.status, 'complete');
      assert.equal(saved.outputTokens, 150);
      assert.equal(textOf(visible), saved.content, 'what the client shows is the saved answer');
    } finally {
      redis.kill('SIGKILL');
    }
  });

  test('PostgreSQL unreachable: coded 503s while it is away, service again when it returns, no restart', async () => {
    const cluster = await createScaleOut({
      DEMO_TOKENS_PER_SECOND: '200',
      SAVE_RETRY_MS: '30000',
      LOG_LEVEL: 'fatal',
    });
    clusters.push(cluster);
    const database = new URL(cluster.databaseUrl);
    const proxy = await startTcpProxy(Number(database.port || 5432));
    try {
      database.host = `127.0.0.1:${proxy.port}`;
      const parley = await cluster.start({ DATABASE_URL: database.toString() });
      const headers = anonymous();
      const chatId = await createChat(parley.url, headers);
      const response = await sendMessage(parley.url, headers, chatId, { content: 'outage', maxTokens: 100 });
      const iterator = readSse(response.body as ReadableStream<Uint8Array>);
      const start = JSON.parse(((await iterator.next()).value as SseEvent).data) as StartData;

      await proxy.pause();
      const during = await fetch(`${parley.url}/api/chats`, { headers });
      assert.equal(during.status, 503);
      assert.equal(((await during.json()) as { error: { code: string } }).error.code, 'SERVICE_UNAVAILABLE');
      assert.equal((await fetch(`${parley.url}/readyz`)).status, 503);
      // The answer keeps streaming meanwhile; only its final save waits for the database.
      await sleep(800);

      await proxy.resume();
      await waitFor(async () => ((await fetch(`${parley.url}/readyz`)).ok ? true : undefined));
      assert.equal((await fetch(`${parley.url}/api/chats`, { headers })).status, 200);
      const streamed: SseEvent[] = [];
      for await (const event of { [Symbol.asyncIterator]: () => iterator }) {
        streamed.push(event);
      }
      assert.deepEqual(
        streamed.slice(-2).map((event) => event.event),
        ['usage', 'end'],
      );
      const saved = await waitForSavedAnswer(parley.url, headers, chatId, start.messageId);
      assert.equal(saved.status, 'complete', 'the final save was retried until the database came back');
      assert.equal(saved.content, textOf(streamed));
    } finally {
      await proxy.close();
    }
  });
});
