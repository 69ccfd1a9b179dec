import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoggedEvent, StreamEvent } from '../../../protocol/events.ts';
import { AppError } from '../app-error.ts';
import { compareStreamEventId, parseStreamEventId } from './stream-event-id.ts';
import { StaleEventIdError, type StreamLog, type StreamLogOptions } from './stream-log.ts';

export interface StreamLogUnderTest {
  log: StreamLog;
  /** Closes the log (it may already be closed) and removes whatever the run left behind. */
  cleanup(): Promise<void>;
}

// Generous: the machine is shared, and a hung reader should fail its own test, not the run.
const TIMEOUT = { timeout: 20_000 };

const DEFAULTS: StreamLogOptions = { maxLength: 1000, ttlAfterEndMs: 60_000 };

function startEvent(streamId: string): StreamEvent {
  return {
    type: 'start',
    data: {
      streamId,
      chatId: 'chat-1',
      messageId: streamId,
      userMessageId: 'user-message-1',
      model: 'demo',
      cached: false,
      createdAt: '2025-01-01T00:00:00.000Z',
    },
  };
}

function textEvent(n: number): StreamEvent {
  return { type: 'text', data: { text: `piece ${n} ` } };
}

const endEvent: StreamEvent = { type: 'end', data: { status: 'complete', finishReason: 'stop' } };

async function collect(events: AsyncIterable<LoggedEvent>): Promise<LoggedEvent[]> {
  const got: LoggedEvent[] = [];
  for await (const event of events) {
    got.push(event);
  }
  return got;
}

/** Resolves when `promise` does, or fails the test after `ms`. */
async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  const timeout = new AbortController();
  try {
    return await Promise.race([
      promise,
      sleep(ms, undefined, { signal: timeout.signal }).then(() => assert.fail(`${what} took over ${ms} ms`)),
    ]);
  } finally {
    timeout.abort();
  }
}

async function appendAll(log: StreamLog, streamId: string, events: StreamEvent[]): Promise<LoggedEvent[]> {
  const logged: LoggedEvent[] = [];
  for (const event of events) {
    logged.push({ id: await log.append(streamId, event), event });
  }
  return logged;
}

function story(streamId: string, texts: number): StreamEvent[] {
  return [startEvent(streamId), ...Array.from({ length: texts }, (_, n) => textEvent(n)), endEvent];
}

/**
 * The behaviour every StreamLog must have, run against each engine. `create` builds a fresh, isolated log
 * with the given options; a test's streams use random ids.
 */
export function streamLogContract(
  name: string,
  create: (options: StreamLogOptions) => Promise<StreamLogUnderTest>,
  options: { skip?: string | false } = {},
): void {
  async function withLog(
    logOptions: StreamLogOptions,
    run: (log: StreamLog) => Promise<void>,
  ): Promise<void> {
    const { log, cleanup } = await create(logOptions);
    try {
      await run(log);
    } finally {
      await cleanup();
    }
  }

  describe(`StreamLog contract: ${name}`, { skip: options.skip ?? false }, () => {
    test('append returns ids in <ms>-<seq> form that increase', TIMEOUT, () =>
      withLog(DEFAULTS, async (log) => {
        const streamId = randomUUID();
        const logged = await appendAll(log, streamId, story(streamId, 50));
        for (const [index, { id }] of logged.entries()) {
          assert.match(id, /^\d+-\d+$/);
          const previous = logged[index - 1];
          if (previous) {
            assert.ok(
              compareStreamEventId(id, parseStreamEventId(previous.id)) > 0,
              `${id} after ${previous.id}`,
            );
          }
        }
      }),
    );

    test('an id given with an event is kept; one not above the last is refused as stale', TIMEOUT, () =>
      withLog(DEFAULTS, async (log) => {
        const streamId = randomUUID();
        const [start, text, end] = story(streamId, 1);
        assert.ok(start && text && end);
        assert.equal(await log.append(streamId, start, '1700000000000-0'), '1700000000000-0');
        assert.equal(await log.append(streamId, text, '1700000000000-1'), '1700000000000-1');
        await assert.rejects(log.append(streamId, text, '1700000000000-1'), StaleEventIdError);
        await assert.rejects(log.append(streamId, text, '1699999999999-5'), StaleEventIdError);
        assert.equal(await log.append(streamId, end, '1700000000001-0'), '1700000000001-0');
        assert.deepEqual(
          (await log.range(streamId)).map(({ id }) => id),
          ['1700000000000-0', '1700000000000-1', '1700000000001-0'],
        );
      }),
    );

    test('a read from the start replays everything and ends at end', TIMEOUT, () =>
      withLog(DEFAULTS, async (log) => {
        const streamId = randomUUID();
        const logged = await appendAll(log, streamId, story(streamId, 5));
        assert.deepEqual(await collect(log.read(streamId, undefined, new AbortController().signal)), logged);
        assert.deepEqual(await collect(log.read(streamId, '0-0', new AbortController().signal)), logged);
      }),
    );

    test('a read after each id of a finished stream gets exactly the rest', TIMEOUT, () =>
      withLog(DEFAULTS, async (log) => {
        const streamId = randomUUID();
        const logged = await appendAll(log, streamId, story(streamId, 8));
        for (const [index, { id }] of logged.entries()) {
          const rest = await collect(log.read(streamId, id, new AbortController().signal));
          assert.deepEqual(rest, logged.slice(index + 1), `after ${id}`);
        }
      }),
    );

    test('reads after each id of a live stream get exactly the rest while it is appended to', TIMEOUT, () =>
      withLog(DEFAULTS, async (log) => {
        const streamId = randomUUID();
        const logged = await appendAll(log, streamId, [startEvent(streamId), textEvent(0), textEvent(1)]);
        const signal = new AbortController().signal;
        const reads = [{ after: -1, events: collect(log.read(streamId, undefined, signal)) }];
        for (const [index, { id }] of logged.entries()) {
          reads.push({ after: index, events: collect(log.read(streamId, id, signal)) });
        }
        for (let n = 2; n < 20; n++) {
          await sleep(n % 3);
          const [added] = await appendAll(log, streamId, [textEvent(n)]);
          logged.push(added as LoggedEvent);
          reads.push({ after: logged.length - 1, events: collect(log.read(streamId, added?.id, signal)) });
        }
        logged.push(...(await appendAll(log, streamId, [endEvent])));
        for (const { after, events } of reads) {
          assert.deepEqual(
            await within(5000, events, 'a reader'),
            logged.slice(after + 1),
            `after #${after}`,
          );
        }
      }),
    );

    test('concurrent readers see the identical sequence', TIMEOUT, () =>
      withLog(DEFAULTS, async (log) => {
        const streamId = randomUUID();
        const logged = await appendAll(log, streamId, [startEvent(streamId)]);
        const reads = Array.from({ length: 20 }, () =>
          collect(log.read(streamId, undefined, new AbortController().signal)),
        );
        for (let n = 0; n < 30; n++) {
          logged.push(...(await appendAll(log, streamId, [textEvent(n)])));
          if (n % 5 === 0) {
            await sleep(1);
          }
        }
        logged.push(...(await appendAll(log, streamId, [endEvent])));
        for (const events of await within(5000, Promise.all(reads), 'the readers')) {
          assert.deepEqual(events, logged);
        }
      }),
    );

    test('a waiting reader gets an event appended later, promptly', TIMEOUT, () =>
      withLog(DEFAULTS, async (log) => {
        const streamId = randomUUID();
        await log.append(streamId, startEvent(streamId));
        const controller = new AbortController();
        const iterator = log.read(streamId, undefined, controller.signal)[Symbol.asyncIterator]();
        assert.equal((await iterator.next()).value?.event.type, 'start');
        const next = iterator.next();
        await sleep(50);
        const appendedAt = performance.now();
        const id = await log.append(streamId, textEvent(1));
        const { value } = await within(1000, next, 'the live event');
        const latency = performance.now() - appendedAt;
        assert.deepEqual(value, { id, event: textEvent(1) });
        assert.ok(latency < 500, `latency ${latency} ms`);
        controller.abort();
      }),
    );

    test('a read after an id beyond the last yields only what comes after that id', TIMEOUT, () =>
      withLog(DEFAULTS, async (log) => {
        const streamId = randomUUID();
        const [start] = await appendAll(log, streamId, [startEvent(streamId)]);
        const { ms } = parseStreamEventId(start?.id ?? '');
        const read = collect(log.read(streamId, `${ms + 60_000}-0`, new AbortController().signal));
        await sleep(20);
        await appendAll(log, streamId, [textEvent(1), endEvent]);
        assert.deepEqual(await within(5000, read, 'the reader'), []);
      }),
    );

    test('aborting stops a waiting reader promptly and leaves no listener behind', TIMEOUT, () =>
      withLog(DEFAULTS, async (log) => {
        const streamId = randomUUID();
        const [start] = await appendAll(log, streamId, [startEvent(streamId)]);
        const readers = Array.from({ length: 200 }, () => {
          const controller = new AbortController();
          const received: LoggedEvent[] = [];
          const done = (async () => {
            for await (const event of log.read(streamId, undefined, controller.signal)) {
              received.push(event);
            }
          })();
          return { controller, received, done };
        });
        await within(
          5000,
          (async () => {
            while (readers.some((reader) => reader.received.length === 0)) {
              await sleep(5);
            }
          })(),
          'every reader getting start',
        );
        for (const reader of readers) {
          reader.controller.abort();
        }
        await within(1000, Promise.all(readers.map((reader) => reader.done)), 'aborted readers finishing');
        await log.append(streamId, textEvent(1));
        for (const reader of readers) {
          assert.deepEqual(reader.received, [start]);
          assert.equal(getEventListeners(reader.controller.signal, 'abort').length, 0);
        }
      }),
    );

    test('a reader left early or started aborted leaves no listener behind', TIMEOUT, () =>
      withLog(DEFAULTS, async (log) => {
        const streamId = randomUUID();
        await appendAll(log, streamId, [startEvent(streamId), textEvent(1)]);
        const leaving = new AbortController();
        for await (const _ of log.read(streamId, undefined, leaving.signal)) {
          break;
        }
        assert.equal(getEventListeners(leaving.signal, 'abort').length, 0);
        const aborted = AbortSignal.abort();
        assert.deepEqual(await collect(log.read(streamId, undefined, aborted)), []);
        assert.equal(getEventListeners(aborted, 'abort').length, 0);
      }),
    );

    test('an unknown stream reads as nothing and does not exist', TIMEOUT, () =>
      withLog(DEFAULTS, async (log) => {
        const streamId = randomUUID();
        const signal = new AbortController().signal;
        assert.deepEqual(await within(2000, collect(log.read(streamId, undefined, signal)), 'the read'), []);
        assert.deepEqual(await within(2000, collect(log.read(streamId, '5-5', signal)), 'the read'), []);
        assert.equal(await log.exists(streamId), false);
      }),
    );

    test('open gives what a read gives, and undefined for a stream that is not there', TIMEOUT, () =>
      withLog(DEFAULTS, async (log) => {
        const streamId = randomUUID();
        assert.equal(await log.open(streamId, undefined), undefined);
        assert.equal(await log.open(streamId, '5-5'), undefined);
        const logged = await appendAll(log, streamId, story(streamId, 4));
        const resumePoints = [undefined, ...logged.map(({ id }) => id)];
        for (const [index, afterId] of resumePoints.entries()) {
          const opened = await log.open(streamId, afterId);
          assert.ok(opened, `after ${afterId}`);
          const events = collect(opened(new AbortController().signal));
          // Past the end there is nothing to wait for, so even that read ends at once.
          assert.deepEqual(await within(2000, events, 'the read'), logged.slice(index), `after ${afterId}`);
        }
        const twice = await log.open(streamId, logged[2]?.id);
        assert.ok(twice);
        const signal = new AbortController().signal;
        assert.deepEqual(await collect(twice(signal)), logged.slice(3));
        assert.deepEqual(await collect(twice(signal)), logged.slice(3));
      }),
    );

    test('open of a live stream follows it, from wherever it resumes', TIMEOUT, () =>
      withLog(DEFAULTS, async (log) => {
        const streamId = randomUUID();
        const logged = await appendAll(log, streamId, [startEvent(streamId), textEvent(0)]);
        const signal = new AbortController().signal;
        const reads = [];
        for (const afterId of [undefined, logged[0]?.id, logged[1]?.id]) {
          const opened = await log.open(streamId, afterId);
          assert.ok(opened, `after ${afterId}`);
          reads.push(collect(opened(signal)));
        }
        logged.push(...(await appendAll(log, streamId, [textEvent(1), endEvent])));
        const [all, afterStart, afterText] = await within(5000, Promise.all(reads), 'the readers');
        assert.deepEqual(all, logged);
        assert.deepEqual(afterStart, logged.slice(1));
        assert.deepEqual(afterText, logged.slice(2));
      }),
    );

    test('open refuses a malformed afterId with VALIDATION_FAILED on lastEventId', TIMEOUT, () =>
      withLog(DEFAULTS, async (log) => {
        const streamId = randomUUID();
        await log.append(streamId, startEvent(streamId));
        for (const id of [streamId, randomUUID()]) {
          await assert.rejects(
            log.open(id, '1-'),
            (error) =>
              error instanceof AppError &&
              error.code === 'VALIDATION_FAILED' &&
              error.field === 'lastEventId',
          );
        }
      }),
    );

    test('a stream is found by the alias its start gave it until it expires', TIMEOUT, () =>
      withLog({ ...DEFAULTS, ttlAfterEndMs: 200, aliasOf: (id) => `alias of ${id}` }, async (log) => {
        const streamId = randomUUID();
        const withoutStart = randomUUID();
        assert.equal(await log.findAlias(`alias of ${streamId}`), undefined);
        await log.append(withoutStart, textEvent(0));
        assert.equal(await log.findAlias(`alias of ${withoutStart}`), undefined);
        await appendAll(log, streamId, [startEvent(streamId), textEvent(0)]);
        assert.equal(await log.findAlias(`alias of ${streamId}`), streamId);
        await log.append(streamId, endEvent);
        const endedAt = performance.now();
        assert.equal(await log.findAlias(`alias of ${streamId}`), streamId);
        while ((await log.exists(streamId)) && performance.now() - endedAt < 5000) {
          await sleep(20);
        }
        assert.equal(await log.exists(streamId), false);
        assert.equal(await log.findAlias(`alias of ${streamId}`), undefined);
      }),
    );

    test('remove forgets streams and their aliases at once, live or ended, and keeps the rest', TIMEOUT, () =>
      withLog({ ...DEFAULTS, aliasOf: (id) => `alias of ${id}` }, async (log) => {
        const ended = randomUUID();
        const live = randomUUID();
        const kept = randomUUID();
        await appendAll(log, ended, story(ended, 2));
        await appendAll(log, live, [startEvent(live), textEvent(0)]);
        const keptEvents = await appendAll(log, kept, story(kept, 1));
        await log.remove([ended, live, randomUUID()]);
        for (const gone of [ended, live]) {
          assert.equal(await log.exists(gone), false);
          assert.equal(await log.findAlias(`alias of ${gone}`), undefined);
          assert.equal(await log.open(gone, undefined), undefined);
          assert.deepEqual(await log.range(gone), []);
        }
        assert.equal(await log.findAlias(`alias of ${kept}`), kept);
        assert.deepEqual(await log.range(kept), keptEvents);
        await log.remove([]);
      }),
    );

    test('remove takes all the streams of a chat at once, however many', TIMEOUT, () =>
      withLog({ ...DEFAULTS, aliasOf: (id) => `alias of ${id}` }, async (log) => {
        const streamIds = Array.from({ length: 600 }, () => randomUUID());
        await Promise.all(streamIds.map((streamId) => log.append(streamId, startEvent(streamId))));
        await log.remove(streamIds);
        for (const streamId of [streamIds[0], streamIds[499], streamIds[500], streamIds[599]] as string[]) {
          assert.equal(await log.exists(streamId), false);
          assert.equal(await log.findAlias(`alias of ${streamId}`), undefined);
        }
      }),
    );

    test('a stream exists while live and once ended', TIMEOUT, () =>
      withLog(DEFAULTS, async (log) => {
        const streamId = randomUUID();
        await log.append(streamId, startEvent(streamId));
        assert.equal(await log.exists(streamId), true);
        await log.append(streamId, endEvent);
        assert.equal(await log.exists(streamId), true);
      }),
    );

    test(
      'range returns what the log holds now, without following; nothing for an unknown stream',
      TIMEOUT,
      () =>
        withLog(DEFAULTS, async (log) => {
          const streamId = randomUUID();
          const logged = await appendAll(log, streamId, [startEvent(streamId), textEvent(1), textEvent(2)]);
          assert.deepEqual(await within(2000, log.range(streamId), 'range of a live stream'), logged);
          const end = await log.append(streamId, endEvent);
          assert.deepEqual(await log.range(streamId), [...logged, { id: end, event: endEvent }]);
          assert.deepEqual(await log.range(randomUUID()), []);
        }),
    );

    test('maxLength keeps only the newest events, and an older resume point gets what remains', TIMEOUT, () =>
      withLog({ ...DEFAULTS, maxLength: 10 }, async (log) => {
        const streamId = randomUUID();
        const logged = await appendAll(log, streamId, story(streamId, 300));
        const kept = logged.slice(-10);
        const signal = new AbortController().signal;
        assert.deepEqual(await collect(log.read(streamId, undefined, signal)), kept);
        assert.deepEqual(await collect(log.read(streamId, logged[0]?.id, signal)), kept);
        assert.deepEqual(await collect(log.read(streamId, logged.at(-4)?.id, signal)), logged.slice(-3));
      }),
    );

    test('an ended stream expires ttlAfterEndMs later; a live one does not', TIMEOUT, () =>
      withLog({ ...DEFAULTS, ttlAfterEndMs: 200 }, async (log) => {
        const ended = randomUUID();
        const live = randomUUID();
        await appendAll(log, ended, story(ended, 2));
        await log.append(live, startEvent(live));
        const endedAt = performance.now();
        assert.equal(await log.exists(ended), true);
        while ((await log.exists(ended)) && performance.now() - endedAt < 5000) {
          await sleep(20);
        }
        assert.ok(performance.now() - endedAt >= 150, 'expired too early');
        assert.equal(await log.exists(ended), false);
        assert.deepEqual(await collect(log.read(ended, undefined, new AbortController().signal)), []);
        assert.equal(await log.exists(live), true);
      }),
    );

    test('a malformed afterId is a VALIDATION_FAILED on lastEventId, thrown by read itself', TIMEOUT, () =>
      withLog(DEFAULTS, async (log) => {
        const streamId = randomUUID();
        await log.append(streamId, startEvent(streamId));
        const signal = new AbortController().signal;
        const malformed = ['', 'abc', '1', '1-', '-1', '1-2-3', '1.5-0', ' 1-0', '1-0 ', '+1-0', '0x1-0'];
        for (const afterId of [...malformed, '99999999999999999-0', '1-9007199254740992']) {
          for (const id of [streamId, randomUUID()]) {
            assert.throws(
              () => log.read(id, afterId, signal),
              (error) =>
                error instanceof AppError &&
                error.code === 'VALIDATION_FAILED' &&
                error.field === 'lastEventId',
              JSON.stringify(afterId),
            );
          }
        }
      }),
    );

    test('close ends waiting readers, then appends are refused', TIMEOUT, () =>
      withLog(DEFAULTS, async (log) => {
        const streamId = randomUUID();
        const logged = await appendAll(log, streamId, [startEvent(streamId)]);
        const signal = new AbortController().signal;
        const reads = [
          collect(log.read(streamId, undefined, signal)),
          collect(log.read(streamId, undefined, signal)),
        ];
        await sleep(50);
        await within(2000, log.close(), 'close');
        for (const events of await within(2000, Promise.all(reads), 'readers after close')) {
          assert.deepEqual(events, logged);
        }
        await assert.rejects(log.append(streamId, textEvent(1)), { code: 'SHUTTING_DOWN' });
        assert.deepEqual(await collect(log.read(streamId, undefined, signal)), []);
      }),
    );
  });
}
