import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LoggedEvent, StreamEvent } from '../../../protocol/events.ts';
import { createMemoryStreamLog } from '../streams/memory-stream-log.ts';
import { StaleEventIdError, type StreamLog } from '../streams/stream-log.ts';
import { createEventAppender } from './event-appender.ts';

const text = (value: string): StreamEvent => ({ type: 'text', data: { text: value } });
const end: StreamEvent = { type: 'end', data: { status: 'complete', finishReason: 'stop' } };
const newLog = () => createMemoryStreamLog({ maxLength: 100, ttlAfterEndMs: 60_000 });

async function collect(events: AsyncIterable<LoggedEvent>): Promise<LoggedEvent[]> {
  const collected: LoggedEvent[] = [];
  for await (const event of events) {
    collected.push(event);
  }
  return collected;
}

/** A log whose appends wait until `release`: what a remote log looks like from here. */
function slowLog(log: StreamLog) {
  const gate = Promise.withResolvers<void>();
  const slow: StreamLog = {
    ...log,
    append: async (key, event, id) => {
      await gate.promise;
      return log.append(key, event, id);
    },
  };
  return { slow, release: () => gate.resolve() };
}

test("an appender's own reader sees what a reader of the log sees, from the first event, until end", async () => {
  const log = newLog();
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

test('the reader gets each event before the log has it, with the id the log then keeps', async () => {
  const log = newLog();
  const { slow, release } = slowLog(log);
  let clock = 1_700_000_000_000;
  const appender = createEventAppender({ log: slow, key: 'stream', retryForMs: 0, now: () => clock });
  const appended = [appender.append(text('a')), appender.append(text('b'))];
  clock -= 5;
  appended.push(appender.append(end));
  const local = await collect(appender.read(new AbortController().signal));
  assert.deepEqual(
    local.map(({ id }) => id),
    ['1700000000000-0', '1700000000000-1', '1700000000000-2'],
    'ids never go back, even when the clock does',
  );
  assert.deepEqual(await log.range('stream'), [], 'nothing was in the log yet');

  release();
  assert.deepEqual(
    await Promise.all(appended),
    local.map(({ id }) => id),
  );
  assert.deepEqual(await log.range('stream'), local);
  await log.close();
});

test("an appender's reader stops when its signal aborts, and a failing log does not stop it", async () => {
  const log = newLog();
  const failing: StreamLog = {
    ...log,
    append: (key, event, id) =>
      event.type === 'text' && event.data.text === 'lost'
        ? Promise.reject(new Error('log away'))
        : log.append(key, event, id),
  };
  const appender = createEventAppender({ log: failing, key: 'stream', retryForMs: 0 });
  await appender.append(text('kept'));

  const stop = new AbortController();
  const aborted = collect(appender.read(stop.signal));
  const whole = collect(appender.read(new AbortController().signal));
  stop.abort();
  assert.deepEqual(
    (await aborted).map((logged) => logged.event),
    [text('kept')],
    'it ends on abort instead of waiting for more',
  );

  await assert.rejects(appender.append(text('lost')));
  await appender.append(end);
  assert.deepEqual(
    (await whole).map((logged) => logged.event),
    [text('kept'), text('lost'), end],
  );
  await log.close();
});

test('a log that comes back empty gets the stream again under the same ids', async () => {
  const log = newLog();
  let failures = 1;
  const flaky: StreamLog = {
    ...log,
    append: (key, event, id) => {
      if (event.type === 'text' && event.data.text === 'second' && failures > 0) {
        failures--;
        return Promise.reject(new Error('restarting'));
      }
      return log.append(key, event, id);
    },
    // The restart lost everything.
    exists: async () => false,
  };
  const appender = createEventAppender({ log: flaky, key: 'stream', retryForMs: 10_000 });
  const first = await appender.append(text('first'));
  const fresh = newLog();
  Object.assign(log, { append: fresh.append, range: fresh.range });
  const second = await appender.append(text('second'));
  assert.deepEqual(
    (await fresh.range('stream')).map(({ id, event }) => [id, event]),
    [
      [first, text('first')],
      [second, text('second')],
    ],
  );
  await log.close();
  await fresh.close();
});

test('a stale id on a first try gives up at once: the stream is written by another instance now', async () => {
  const log = newLog();
  await log.append('stream', text('taken over'), '9999999999999-0');
  let tries = 0;
  const counting: StreamLog = {
    ...log,
    append: (key, event, id) => {
      tries++;
      return log.append(key, event, id);
    },
  };
  const appender = createEventAppender({ log: counting, key: 'stream', retryForMs: 10_000 });
  await assert.rejects(appender.append(text('late')), StaleEventIdError);
  assert.equal(tries, 1);
  await log.close();
});

test('closing the appender ends a waiting reader after what was made, with or without end', async () => {
  const log = newLog();
  const appender = createEventAppender({ log, key: 'stream', retryForMs: 0 });
  await appender.append(text('before a takeover'));
  const waiting = collect(appender.read(new AbortController().signal));
  appender.close();
  assert.deepEqual(
    (await waiting).map((logged) => logged.event),
    [text('before a takeover')],
  );
  assert.deepEqual(
    (await collect(appender.read(new AbortController().signal))).map((logged) => logged.event),
    [text('before a takeover')],
    'a reader that comes later gets what was made and ends too',
  );
  await log.close();
});

test('events appended together reach the log back to back, not a tick apart', async () => {
  const log = newLog();
  const stored: string[] = [];
  let storedByFirstTick = 0;
  const counting: StreamLog = {
    ...log,
    append: async (key, event, id) => {
      stored.push(event.type);
      if (stored.length === 1) {
        // Readers of the log wake between ticks: they must find the whole burst there, not one event of it.
        process.nextTick(() => {
          storedByFirstTick = stored.length;
        });
      }
      return log.append(key, event, id);
    },
  };
  const appender = createEventAppender({ log: counting, key: 'stream', retryForMs: 0 });
  void appender.append(text('a'));
  void appender.append(text('b'));
  void appender.append(end);
  await appender.settled();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(storedByFirstTick, 3);
  await log.close();
});
