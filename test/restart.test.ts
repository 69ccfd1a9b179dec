import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { ChatPage } from '../protocol/api.ts';
import { getChat, resumeStream, sendMessage } from './helpers/native-client.ts';
import { spawnParley } from './helpers/spawn-parley.ts';
import { collectSse, readSse, textOf } from './helpers/sse-client.ts';
import { anonymous, createChat } from './helpers/start-parley.ts';

test('a restarted server keeps every chat (PGlite on disk)', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'parley-restart-'));
  const env = {
    DATA_DIR: dataDir,
    JWT_SECRET: 'restart-test-secret-restart-test-secret',
    DEMO_TOKENS_PER_SECOND: '0',
    DEMO_FIRST_TOKEN_DELAY_MS: '0',
  };
  const headers = anonymous();
  try {
    const first = await spawnParley(env);
    const chatId = await createChat(first.url, headers, { title: 'kept' });
    const answer = textOf(
      await collectSse(await sendMessage(first.url, headers, chatId, { content: 'hello', maxTokens: 20 })),
    );
    const before = await getChat(first.url, headers, chatId);
    assert.equal(await first.stop('SIGTERM'), 0, 'a clean shutdown exits 0');

    const second = await spawnParley(env);
    try {
      const after = await getChat(second.url, headers, chatId);
      assert.deepEqual(after, before);
      assert.equal(after.messages[1]?.content, answer);
      const list = (await (await fetch(`${second.url}/api/chats`, { headers })).json()) as ChatPage;
      assert.deepEqual(
        list.chats.map((chat) => chat.title),
        ['kept'],
      );
    } finally {
      await second.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('an answer cut off by a crash is marked interrupted on the next start', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'parley-crash-'));
  const env = {
    DATA_DIR: dataDir,
    JWT_SECRET: 'crash-test-secret-crash-test-secret',
    DEMO_TOKENS_PER_SECOND: '50',
    DEMO_FIRST_TOKEN_DELAY_MS: '0',
  };
  const headers = anonymous();
  try {
    const first = await spawnParley(env);
    const chatId = await createChat(first.url, headers);
    const response = await sendMessage(first.url, headers, chatId, {
      content: 'a long answer',
      maxTokens: 2000,
    });
    const iterator = readSse(response.body as ReadableStream<Uint8Array>);
    await iterator.next();
    await iterator.next();
    await first.stop('SIGKILL');

    const second = await spawnParley(env);
    try {
      const { messages } = await getChat(second.url, headers, chatId);
      assert.equal(messages[1]?.status, 'interrupted');
      assert.equal(messages[1]?.errorCode, 'GENERATION_INTERRUPTED');
      const replay = await collectSse(await resumeStream(second.url, headers, messages[1]?.id ?? ''));
      assert.deepEqual(
        replay.map((event) => event.event),
        ['start', 'error', 'end'],
      );
      assert.equal(JSON.parse(replay[2]?.data ?? '{}').status, 'interrupted');
      const again = await collectSse(
        await sendMessage(second.url, headers, chatId, { content: 'again', maxTokens: 3 }),
      );
      assert.equal(again.at(-1)?.event, 'end', 'the chat is usable again');
    } finally {
      await second.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
