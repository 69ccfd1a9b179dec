import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LoggedEvent, StreamEvent } from '../../../protocol/events.ts';
import { createMemoryStreamLog } from '../streams/memory-stream-log.ts';
import type { StreamLog } from '../streams/stream-log.ts';
import { createEventAppender } from './event-appender.ts';

const text = (value: string): StreamEvent => ({ type: 'text', data: { text: value } });
const end: StreamEvent = { type: 'end', data: { status: 'complete', finishReason: 'stop' } };

async function collect(events: AsyncIterable<LoggedEvent>): Promise<LoggedEvent[]> {
  const collected: LoggedEvent[] = [];
  for await (const event of events) {
    collected.push(event);
  }
  return collected;
}

test("an appender's own reader sees what a reader of the log sees, from the first event, until end", async () => {
  const log = createMemoryStreamLog({ maxLength: 100, ttlAfterEndMs: 60_000 });
  const appender = createEventAppender({ log, key: 'stream', retryForMs: 0 });
  await appender.append(text('early'));
  // A reader that comes after some events still gets them first, then the rest as they come.
  const local = collect(appender.read(new AbortController().signal));
  await appender.append(text('late'));
  await appender.append(end);
  const fromLog = await collect(log.read('stream', undefined, new AbortController().signal));
  assert.deepEqual(await local, fromLog);
  assert.deepEqual(
    fromLog.map((logged) => logged.event.type),
    ['text', 'text', 'end'],
  );
  await log.close();
});

test("an appender's reader stops when its signal aborts, and when the log gives up for good", async () => {
  const log = createMemoryStreamLog({ maxLength: 100, ttlAfterEndMs: 60_000 });
  const failing: StreamLog = {
    ...log,
    append: (key, event) =>
      event.type === 'text' && event.data.text === 'lost'
        ? Promise.reject(new Error('log away'))
        : log.append(key, event),
  };
  const appender = createEventAppender({ log: failing, key: 'stream', retryForMs: 0 });
  await appender.append(text('kept'));

  const stop = new AbortController();
  const aborted = collect(appender.read(stop.signal));
  const untilGivenUp = collect(appender.read(new AbortController().signal));
  stop.abort();
  assert.deepEqual(
    (await aborted).map((logged) => logged.event),
    [text('kept')],
    'it ends on abort instead of waiting for more',
  );

  await assert.rejects(appender.append(text('lost')));
  assert.deepEqual(
    (await untilGivenUp).map((logged) => logged.event),
    [text('kept')],
    'it ends instead of waiting for an end that cannot come',
  );
  await log.close();
});
