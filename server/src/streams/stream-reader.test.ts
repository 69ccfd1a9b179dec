import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LoggedEvent } from '../../../protocol/events.ts';
import { StreamBuffer } from './stream-buffer.ts';
import { parseStreamEventId } from './stream-event-id.ts';
import { StreamReader } from './stream-reader.ts';

function event(ms: number, type: 'text' | 'end' = 'text'): LoggedEvent {
  return {
    id: `${ms}-0`,
    event:
      type === 'end'
        ? { type, data: { status: 'complete', finishReason: 'stop' } }
        : { type, data: { text: `${ms}` } },
  };
}

function filled(maxLength: number, count: number): StreamBuffer {
  const buffer = new StreamBuffer(maxLength);
  for (let ms = 1; ms <= count; ms++) {
    buffer.push(event(ms));
  }
  return buffer;
}

describe('StreamBuffer', () => {
  test('keeps the newest maxLength events at stable positions across trims and compactions', () => {
    const buffer = filled(10, 5000);
    assert.equal(buffer.start, 4990);
    assert.equal(buffer.end, 5000);
    assert.equal(buffer.at(4989), undefined);
    assert.equal(buffer.at(4990)?.value.id, '4991-0');
    assert.equal(buffer.at(4999)?.value.id, '5000-0');
    assert.equal(buffer.lastId, '5000-0');
    assert.equal(buffer.positionAfter(parseStreamEventId('4995-0')), 4995);
    assert.equal(buffer.positionAfter(parseStreamEventId('4995-7')), 4995);
    assert.equal(buffer.positionAfter(parseStreamEventId('1-0')), 4990);
    assert.equal(buffer.positionAfter(parseStreamEventId('6000-0')), 5000);
  });
});

describe('StreamBuffer.prepend', () => {
  test('puts older events in front at the positions before start, as many as maxLength leaves room for', () => {
    const buffer = new StreamBuffer(5);
    buffer.push(event(6));
    buffer.push(event(7));
    assert.equal(buffer.firstId, '6-0');
    buffer.prepend([event(1), event(2), event(3), event(4), event(5), event(6)]);
    assert.equal(buffer.start, -3);
    assert.equal(buffer.end, 2);
    assert.deepEqual(
      Array.from({ length: 5 }, (_, n) => buffer.at(n - 3)?.value.id),
      ['3-0', '4-0', '5-0', '6-0', '7-0'],
    );
    assert.equal(buffer.positionAfter(parseStreamEventId('4-0')), -1);
    // Events 1 and 2 did not fit: anything older than what was dropped stays out.
    buffer.prepend([event(2)]);
    assert.equal(buffer.start, -3);
  });

  test('takes nothing in front once it has trimmed, and readers already reading go on undisturbed', async () => {
    const buffer = filled(3, 4);
    buffer.prepend([event(0)]);
    assert.equal(buffer.firstId, '2-0');
    const growing = new StreamBuffer(10);
    growing.push(event(5));
    const reader = new StreamReader({
      buffer: growing,
      afterId: undefined,
      signal: new AbortController().signal,
    });
    assert.equal((await reader.next()).value?.id, '5-0');
    growing.prepend([event(3), event(4)]);
    growing.push(event(6, 'end'));
    assert.equal((await reader.next()).value?.id, '6-0');
    const late = new StreamReader({
      buffer: growing,
      afterId: undefined,
      signal: new AbortController().signal,
    });
    const ids: string[] = [];
    for await (const { id } of late) {
      ids.push(id);
    }
    assert.deepEqual(ids, ['3-0', '4-0', '5-0', '6-0']);
  });
});

describe('StreamReader', () => {
  test('a reader that fell behind the window goes on from the oldest event held', async () => {
    const buffer = filled(3, 3);
    const reader = new StreamReader({ buffer, afterId: undefined, signal: new AbortController().signal });
    assert.equal((await reader.next()).value?.id, '1-0');
    buffer.push(event(4));
    buffer.push(event(5));
    buffer.push(event(6, 'end'));
    const rest: string[] = [];
    for await (const { id } of reader) {
      rest.push(id);
    }
    assert.deepEqual(rest, ['4-0', '5-0', '6-0']);
  });

  test('many waiting readers that abort leave no waiter on the buffer', async () => {
    const buffer = filled(10, 1);
    const controllers = Array.from({ length: 1000 }, () => new AbortController());
    const readers = controllers.map(
      (controller) =>
        new StreamReader({ buffer, afterId: parseStreamEventId('1-0'), signal: controller.signal }),
    );
    const pending = readers.map((reader) => reader.next());
    assert.equal(buffer.waitingCount, 1000);
    for (const controller of controllers) {
      controller.abort();
    }
    for (const result of await Promise.all(pending)) {
      assert.equal(result.done, true);
    }
    assert.equal(buffer.waitingCount, 0);
  });

  test('a waiting reader takes what arrived since it parked, one event per next()', async () => {
    const buffer = filled(10, 1);
    const reader = new StreamReader({
      buffer,
      afterId: parseStreamEventId('1-0'),
      signal: new AbortController().signal,
    });
    const next = reader.next();
    buffer.push(event(2));
    buffer.push(event(3));
    assert.equal((await next).value?.id, '2-0');
    assert.equal(buffer.waitingCount, 0);
    assert.equal((await reader.next()).value?.id, '3-0');
  });

  test('after an id beyond the buffer, it skips what is not newer than that id', async () => {
    const buffer = filled(10, 5);
    const reader = new StreamReader({
      buffer,
      afterId: parseStreamEventId('7-0'),
      signal: new AbortController().signal,
    });
    const next = reader.next();
    buffer.push(event(6));
    buffer.push(event(7));
    assert.equal(buffer.waitingCount, 1);
    buffer.push(event(8));
    assert.equal((await next).value?.id, '8-0');
  });

  test('waits for a loading buffer, and ends at once when there is none', async () => {
    const signal = new AbortController().signal;
    const loading = new StreamReader({ buffer: Promise.resolve(filled(10, 2)), afterId: undefined, signal });
    assert.equal((await loading.next()).value?.id, '1-0');
    let finished = 0;
    const missing = new StreamReader({
      buffer: Promise.resolve(undefined),
      afterId: undefined,
      signal,
      onFinish: () => finished++,
    });
    assert.equal((await missing.next()).done, true);
    assert.equal((await missing.next()).done, true);
    assert.equal(finished, 1);
  });
});
