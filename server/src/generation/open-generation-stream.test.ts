import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { LoggedEvent, StreamEvent } from '../../../protocol/events.ts';
import { AppError } from '../app-error.ts';
import type { MessageRecord } from '../db/repository.ts';
import { createMemoryStreamLog } from '../streams/memory-stream-log.ts';
import type { StreamLog } from '../streams/stream-log.ts';
import { type GenerationReader, openGenerationStream } from './open-generation-stream.ts';
import { streamAliasOfKey } from './stream-alias.ts';
import { streamKeyOf } from './stream-key.ts';

const owner = 'anon:owner';
const options = { maxLength: 100, ttlAfterEndMs: 60_000 };

interface Answer {
  log: StreamLog;
  chatId: string;
  streamId: string;
  logged: LoggedEvent[];
}

async function answerInLog(log: StreamLog): Promise<Answer> {
  const chatId = randomUUID();
  const streamId = randomUUID();
  const events: StreamEvent[] = [
    {
      type: 'start',
      data: {
        streamId,
        chatId,
        messageId: streamId,
        userMessageId: 'u',
        model: 'demo',
        cached: false,
        createdAt: '2025-01-01T00:00:00.000Z',
      },
    },
    { type: 'text', data: { text: 'from the log' } },
    { type: 'end', data: { status: 'complete', finishReason: 'stop' } },
  ];
  const key = streamKeyOf({ ownerId: owner, chatId, streamId });
  const logged: LoggedEvent[] = [];
  for (const event of events) {
    logged.push({ id: await log.append(key, event), event });
  }
  return { log, chatId, streamId, logged };
}

/** A repository that holds the answer, counting the lookups it answers. */
function database(answer: Answer) {
  const lookups: string[] = [];
  return {
    lookups,
    messages: {
      async getMessage(ownerId: string, messageId: string): Promise<MessageRecord | undefined> {
        lookups.push(ownerId);
        // Just the fields a lookup of a stream reads; the rest of a row plays no part here.
        return ownerId === owner && messageId === answer.streamId
          ? ({ id: answer.streamId, chatId: answer.chatId, ownerId, role: 'assistant' } as MessageRecord)
          : undefined;
      },
    },
  };
}

async function collect(read: GenerationReader): Promise<LoggedEvent[]> {
  const got: LoggedEvent[] = [];
  for await (const event of read(new AbortController().signal)) {
    got.push(event);
  }
  return got;
}

describe('openGenerationStream', () => {
  test('reads a stream in the log by its alias, without asking the database', async () => {
    const answer = await answerInLog(createMemoryStreamLog({ ...options, aliasOf: streamAliasOfKey }));
    const { lookups, messages } = database(answer);
    const deps = { streamLog: answer.log, messages };
    const read = await openGenerationStream(deps, owner, answer.streamId, answer.logged[0]?.id);
    assert.deepEqual(await collect(read), answer.logged.slice(1));
    assert.deepEqual(lookups, []);
  });

  test('reads it by its key when the caller knows the chat, with no alias to look up', async () => {
    const answer = await answerInLog(createMemoryStreamLog(options));
    const { lookups, messages } = database(answer);
    const deps = { streamLog: answer.log, messages };
    const read = await openGenerationStream(deps, owner, answer.streamId, undefined, answer.chatId);
    assert.deepEqual(await collect(read), answer.logged);
    assert.deepEqual(lookups, []);
  });

  test('asks the database for the chat of a stream that has no alias, then reads the log', async () => {
    const answer = await answerInLog(createMemoryStreamLog(options));
    const { lookups, messages } = database(answer);
    const deps = { streamLog: answer.log, messages };
    assert.deepEqual(
      await collect(await openGenerationStream(deps, owner, answer.streamId, undefined)),
      answer.logged,
    );
    const wrongChat = await openGenerationStream(deps, owner, answer.streamId, undefined, randomUUID());
    assert.deepEqual(await collect(wrongChat), answer.logged);
    assert.deepEqual(lookups, [owner, owner]);
  });

  test('another principal finds nothing in the log and gets NOT_FOUND', async () => {
    const answer = await answerInLog(createMemoryStreamLog({ ...options, aliasOf: streamAliasOfKey }));
    const { lookups, messages } = database(answer);
    const deps = { streamLog: answer.log, messages };
    for (const chatId of [undefined, answer.chatId]) {
      await assert.rejects(
        openGenerationStream(deps, 'anon:intruder', answer.streamId, undefined, chatId),
        (error) => error instanceof AppError && error.code === 'NOT_FOUND',
      );
    }
    assert.deepEqual(lookups, ['anon:intruder', 'anon:intruder']);
  });
});
