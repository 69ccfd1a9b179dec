import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StreamEvent } from '../../../protocol/events.ts';
import { createMemoryStreamLog } from './memory-stream-log.ts';
import { streamLogContract } from './stream-log.contract.ts';

streamLogContract('memory', async (options) => {
  const log = createMemoryStreamLog(options);
  return { log, cleanup: () => log.close() };
});

const text: StreamEvent = { type: 'text', data: { text: 'x' } };
const end: StreamEvent = { type: 'end', data: { status: 'complete', finishReason: 'stop' } };

describe('createMemoryStreamLog', () => {
  test('makes Redis-style ids that never go back, whatever the clock does', async () => {
    const times = [0, 1000, 1000, 1000, 999, 500, 1001, 1001, 2000];
    let call = 0;
    const log = createMemoryStreamLog({ maxLength: 100, ttlAfterEndMs: 1000, now: () => times[call++] ?? 0 });
    const ids: string[] = [];
    for (let n = 0; n < times.length; n++) {
      ids.push(await log.append('s', text));
    }
    assert.deepEqual(ids, [
      '0-1',
      '1000-0',
      '1000-1',
      '1000-2',
      '1000-3',
      '1000-4',
      '1001-0',
      '1001-1',
      '2000-0',
    ]);
    assert.equal(await log.append('other', text), '0-1');
    await log.close();
  });

  test('keeps the newest maxEndedStreams ended streams, however long their time to live; live ones stay', async () => {
    const log = createMemoryStreamLog({ maxLength: 100, ttlAfterEndMs: 3_600_000, maxEndedStreams: 2 });
    await log.append('live', text);
    for (const stream of ['a', 'b', 'c']) {
      await log.append(stream, text);
      await log.append(stream, end);
    }
    assert.deepEqual(await Promise.all(['live', 'a', 'b', 'c'].map((stream) => log.exists(stream))), [
      true,
      false,
      true,
      true,
    ]);
    await log.append('d', end);
    assert.deepEqual(await Promise.all(['live', 'b', 'c', 'd'].map((stream) => log.exists(stream))), [
      true,
      false,
      true,
      true,
    ]);
    await log.close();
  });

  test('expires an ended stream by its clock, to the millisecond', async () => {
    let time = 5000;
    const log = createMemoryStreamLog({ maxLength: 100, ttlAfterEndMs: 1000, now: () => time });
    await log.append('s', text);
    await log.append('s', end);
    time = 5999;
    assert.equal(await log.exists('s'), true);
    time = 6000;
    assert.equal(await log.exists('s'), false);
    assert.equal(await log.append('s', text), '6000-0');
    await log.close();
  });
});
