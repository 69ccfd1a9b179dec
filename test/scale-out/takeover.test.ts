import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import type { StartData } from '../../protocol/events.ts';
import { createDatabase } from '../../server/src/db/client.ts';
import { createRepositories } from '../../server/src/db/create-repositories.ts';
import { streamKeyOf } from '../../server/src/generation/stream-key.ts';
import { takeOverAnswer } from '../../server/src/generation/take-over.ts';
import { longTestPrompt } from '../../server/src/providers/demo/demo-provider.ts';
import { createRedisStreamLog } from '../../server/src/streams/redis-stream-log.ts';
import { resumeStream, sendMessage, waitForSavedAnswer } from '../helpers/native-client.ts';
import { createScaleOut, redisUrl, type ScaleOut, scaleOutSkip } from '../helpers/scale-out.ts';
import type { SpawnedParley } from '../helpers/spawn-parley.ts';
import { collectSse, readSse, type SseEvent, textOf } from '../helpers/sse-client.ts';
import { anonymous, createChat } from '../helpers/start-parley.ts';

// Short leases, so a dead instance is noticed in well under a second.
const fastLeases = { PING_INTERVAL_MS: '100', LEASE_TTL_MS: '500', REAP_INTERVAL_MS: '150' };

async function startLongAnswer(instance: SpawnedParley, headers: Record<string, string>) {
  const chatId = await createChat(instance.url, headers);
  const response = await sendMessage(instance.url, headers, chatId, { content: longTestPrompt });
  const iterator = readSse(response.body as ReadableStream<Uint8Array>);
  const start = JSON.parse(((await iterator.next()).value as SseEvent).data) as StartData;
  const seen = [(await iterator.next()).value as SseEvent, (await iterator.next()).value as SseEvent];
  return { chatId, start, lastSeen: seen.at(-1) as SseEvent };
}

describe('a dead instance loses nothing', { skip: scaleOutSkip }, () => {
  let cluster: ScaleOut;
  before(async () => {
    cluster = await createScaleOut({ ...fastLeases, DEMO_TOKENS_PER_SECOND: '200' });
  });
  after(() => cluster.cleanup());

  test('kill -9 of the generating instance: another takes over, saves the text, tells every subscriber', async () => {
    const headers = anonymous();
    const generator = await cluster.start();
    const survivor = await cluster.start();
    const { chatId, start, lastSeen } = await startLongAnswer(generator, headers);
    const follower = resumeStream(survivor.url, headers, start.streamId, lastSeen.id).then(collectSse);
    await generator.stop('SIGKILL');

    const followed = await follower;
    assert.deepEqual(
      followed.slice(-2).map((event) => event.event),
      ['error', 'end'],
    );
    assert.equal(JSON.parse(followed.at(-2)?.data ?? '{}').code, 'GENERATION_INTERRUPTED');
    const saved = await waitForSavedAnswer(survivor.url, headers, chatId, start.messageId);
    assert.equal(saved.status, 'interrupted');
    const whole = await collectSse(await resumeStream(survivor.url, headers, start.streamId));
    assert.equal(saved.content, textOf(whole), 'the saved answer is what the log held');
    assert.ok(saved.content.length > 0);

    const again = await collectSse(
      await sendMessage(survivor.url, headers, chatId, { content: 'next', maxTokens: 3 }),
    );
    assert.equal(again.at(-1)?.event, 'end', 'the chat takes a new message: its in-flight flag was cleared');
  });

  test('two instances racing to take over: exactly one does', async () => {
    const headers = anonymous();
    const generator = await cluster.start();
    const racers = [await cluster.start(), await cluster.start()];
    const { chatId, start } = await startLongAnswer(generator, headers);
    await generator.stop('SIGKILL');
    await waitForSavedAnswer(racers[0]?.url ?? '', headers, chatId, start.messageId);
    const events = await collectSse(await resumeStream(racers[1]?.url ?? '', headers, start.streamId));
    assert.equal(events.filter((event) => event.event === 'error').length, 1);
    assert.equal(events.filter((event) => event.event === 'end').length, 1);
  });

  test('takeOverAnswer itself: of many concurrent attempts on one answer, one wins', async () => {
    const headers = anonymous();
    const generator = await cluster.start({ LEASE_TTL_MS: '60000', REAP_INTERVAL_MS: '60000' });
    const { start } = await startLongAnswer(generator, headers);
    await generator.stop('SIGKILL');

    const database = await createDatabase({ databaseUrl: cluster.databaseUrl, dataDir: 'memory://' });
    const redis = new Redis(redisUrl ?? '');
    const streamLog = createRedisStreamLog({
      redis,
      prefix: cluster.redisPrefix,
      keyOf: (key) => `${cluster.redisPrefix}${key}`,
      maxLength: 10_000,
      ttlAfterEndMs: 60_000,
    });
    try {
      const { messages } = createRepositories(database);
      const ownerId = `anon:${headers['x-anon-id']}`;
      const message = await messages.getMessage(ownerId, start.messageId);
      assert.equal(message?.status, 'streaming');
      const deps = { streamLog, messages, now: () => new Date() };
      const results = await Promise.all(
        Array.from({ length: 8 }, () => takeOverAnswer(deps, message ?? assert.fail())),
      );
      assert.deepEqual(
        results.filter((result) => result !== undefined),
        ['interrupted'],
      );
      const logged = await streamLog.range(
        streamKeyOf({ ownerId, chatId: start.chatId, streamId: start.streamId }),
      );
      assert.equal(logged.filter((entry) => entry.event.type === 'end').length, 1);
    } finally {
      await streamLog.close();
      redis.disconnect();
      await database.close();
    }
  });
});
