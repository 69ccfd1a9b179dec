import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CreatedApiKey } from '../../protocol/api.ts';
import type { StartData } from '../../protocol/events.ts';
import { longTestPrompt } from '../../server/src/providers/demo/demo-provider.ts';
import { getChat, resumeStream, sendMessage, waitForSavedAnswer } from '../helpers/native-client.ts';
import { createScaleOut, type ScaleOut, scaleOutSkip } from '../helpers/scale-out.ts';
import type { SpawnedParley } from '../helpers/spawn-parley.ts';
import { collectSse, readSse, type SseEvent, textOf } from '../helpers/sse-client.ts';
import { anonymous, createChat, json } from '../helpers/start-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';

function startOf(event: SseEvent | undefined): StartData {
  assert.equal(event?.event, 'start');
  return JSON.parse(event.data) as StartData;
}

describe('any instance serves any stream (PostgreSQL + Redis)', { skip: scaleOutSkip }, () => {
  let cluster: ScaleOut;
  let a: SpawnedParley;
  let b: SpawnedParley;
  before(async () => {
    cluster = await createScaleOut({ DEMO_TOKENS_PER_SECOND: '300' });
    [a, b] = [await cluster.start(), await cluster.start()];
  });
  after(() => cluster.cleanup());

  test('an answer generated on A resumes on B from any event, exactly once', async () => {
    const headers = anonymous();
    const chatId = await createChat(a.url, headers);
    const events: SseEvent[] = [];
    const resumes: Promise<{ after: number; events: SseEvent[] }>[] = [];
    let streamId = '';
    const response = await sendMessage(a.url, headers, chatId, { content: 'across', maxTokens: 60 });
    for await (const event of readSse(response.body as ReadableStream<Uint8Array>)) {
      events.push(event);
      streamId ||= startOf(event).streamId;
      const seen = events.length;
      resumes.push(
        resumeStream(b.url, headers, streamId, event.id).then(async (r) => ({
          after: seen,
          events: await collectSse(r),
        })),
      );
    }
    for (const resumed of await Promise.all(resumes)) {
      assert.deepEqual(
        resumed.events,
        events.slice(resumed.after),
        `resume on B after event ${resumed.after}`,
      );
    }
    const saved = await waitForSavedAnswer(b.url, headers, chatId, streamId);
    assert.equal(saved.content, textOf(events));
  });

  test('a cancel sent to B stops the generation running on A and saves its partial answer', async () => {
    const headers = anonymous();
    const chatId = await createChat(a.url, headers);
    const response = await sendMessage(a.url, headers, chatId, { content: longTestPrompt });
    const iterator = readSse(response.body as ReadableStream<Uint8Array>);
    const start = startOf((await iterator.next()).value as SseEvent);
    await iterator.next();
    const cancelled = await fetch(`${b.url}/api/streams/${start.streamId}/cancel`, {
      method: 'POST',
      headers,
    });
    assert.equal(((await cancelled.json()) as { status: string }).status, 'cancelled');
    const rest: SseEvent[] = [];
    for await (const event of { [Symbol.asyncIterator]: () => iterator }) {
      rest.push(event);
    }
    assert.deepEqual(
      rest.slice(-2).map((event) => event.event),
      ['cancel', 'end'],
    );
    const saved = await waitForSavedAnswer(a.url, headers, chatId, start.messageId);
    assert.equal(saved.status, 'cancelled');
    assert.ok((saved.outputTokens ?? 0) < 2000);
  });

  test('the Redis response cache serves a request on B that A answered', async () => {
    const headers = anonymous();
    const ask = async (instance: SpawnedParley) => {
      const chatId = await createChat(instance.url, headers);
      return collectSse(
        await sendMessage(instance.url, headers, chatId, { content: 'shared', temperature: 0, seed: 3 }),
      );
    };
    const first = await ask(a);
    const second = await ask(b);
    assert.equal(startOf(first[0]).cached, false);
    assert.equal(startOf(second[0]).cached, true);
    assert.equal(textOf(second), textOf(first));
  });

  test('200 random disconnects, each resumed on a random instance: nothing lost, nothing repeated', async () => {
    const headers = anonymous();
    const instances = [a, b];
    const pick = () => instances[Math.floor(Math.random() * instances.length)] as SpawnedParley;
    for (let cycle = 0; cycle < 200; cycle++) {
      const origin = pick();
      const chatId = await createChat(origin.url, headers);
      const leave = new AbortController();
      const response = await sendMessage(
        origin.url,
        headers,
        chatId,
        { content: `cycle ${cycle}`, maxTokens: 30 },
        leave.signal,
      );
      const received: SseEvent[] = [];
      const cut = 1 + Math.floor(Math.random() * 20);
      try {
        for await (const event of readSse(response.body as ReadableStream<Uint8Array>)) {
          received.push(event);
          if (received.length === cut) {
            leave.abort();
          }
        }
      } catch {
        // The abort ends the read; what arrived before it is what the client had.
      }
      const { streamId } = startOf(received[0]);
      const rest = await collectSse(await resumeStream(pick().url, headers, streamId, received.at(-1)?.id));
      const transcript = [...received, ...rest];
      const ids = transcript.map((event) => event.id);
      assert.equal(new Set(ids).size, ids.length, `cycle ${cycle}: an event arrived twice`);
      assert.equal(transcript.at(-1)?.event, 'end', `cycle ${cycle}: the stream did not end`);
      const saved = await waitForSavedAnswer(pick().url, headers, chatId, streamId);
      assert.equal(
        textOf(transcript),
        saved.content,
        `cycle ${cycle}: the transcript differs from the saved answer`,
      );
    }
  });

  test('SIGTERM lets a short answer finish, interrupts a long one, and exits cleanly', async () => {
    const draining = await cluster.start({ DRAIN_SECONDS: '1', DEMO_TOKENS_PER_SECOND: '100' });
    const headers = anonymous();
    const shortChat = await createChat(draining.url, headers);
    const longChat = await createChat(draining.url, headers);
    const short = await sendMessage(draining.url, headers, shortChat, { content: 'short', maxTokens: 20 });
    const long = await sendMessage(draining.url, headers, longChat, { content: longTestPrompt });
    const shortStart = startOf(
      (await readSse(short.body as ReadableStream<Uint8Array>).next()).value as SseEvent,
    );
    const longStart = startOf(
      (await readSse(long.body as ReadableStream<Uint8Array>).next()).value as SseEvent,
    );
    // Someone follows the long answer on another instance; it must hear how it ended.
    const follower = resumeStream(a.url, headers, longStart.streamId).then(collectSse);
    // And a reader on the draining instance follows an answer generated elsewhere: it must not hold the exit.
    const elsewhereChat = await createChat(a.url, headers);
    const elsewhere = await sendMessage(a.url, headers, elsewhereChat, { content: longTestPrompt });
    const elsewhereStart = startOf(
      (await readSse(elsewhere.body as ReadableStream<Uint8Array>).next()).value as SseEvent,
    );
    const held = await resumeStream(draining.url, headers, elsewhereStart.streamId);
    const heldEvents = collectSse(held).catch(() => []);
    assert.equal(await draining.stop('SIGTERM'), 0);
    const released = await heldEvents;
    assert.ok(released.length > 0);
    assert.notEqual(released.at(-1)?.event, 'end', 'the reader was let go before that answer ended');
    await fetch(`${a.url}/api/streams/${elsewhereStart.streamId}/cancel`, { method: 'POST', headers });

    const shortSaved = await waitForSavedAnswer(a.url, headers, shortChat, shortStart.messageId);
    assert.equal(shortSaved.status, 'complete');
    const longSaved = await waitForSavedAnswer(a.url, headers, longChat, longStart.messageId);
    assert.equal(longSaved.status, 'interrupted');
    assert.equal(longSaved.errorCode, 'GENERATION_INTERRUPTED');
    const followed = await follower;
    assert.deepEqual(
      followed
        .slice(-2)
        .map((event) => [event.event, JSON.parse(event.data).code ?? JSON.parse(event.data).status]),
      [
        ['error', 'GENERATION_INTERRUPTED'],
        ['end', 'interrupted'],
      ],
    );
    assert.equal(textOf(followed), longSaved.content);
    const { messages } = await getChat(b.url, headers, longChat);
    assert.equal(messages.length, 2);
  });
});

describe('API keys across instances (PostgreSQL + Redis)', { skip: scaleOutSkip }, () => {
  let cluster: ScaleOut;
  let a: SpawnedParley;
  let b: SpawnedParley;
  before(async () => {
    cluster = await createScaleOut({});
    [a, b] = [await cluster.start(), await cluster.start()];
  });
  after(() => cluster.cleanup());

  test('a key revoked on A stops working on B at once, though B had just accepted it', async () => {
    const owner = anonymous();
    const created = (await (
      await fetch(`${a.url}/api/keys`, json({ name: 'shared' }, owner))
    ).json()) as CreatedApiKey;
    const models = (url: string) =>
      fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${created.key}` } }).then(
        (r) => r.status,
      );
    assert.equal(await models(b.url), 200);

    const revoked = await fetch(`${a.url}/api/keys/${created.id}`, { method: 'DELETE', headers: owner });
    assert.equal(revoked.status, 204);
    // The bus carries the revoke to B; B must not go on trusting what it remembered of the key.
    await waitFor(async () => ((await models(b.url)) === 401 ? true : undefined), 2000);
    assert.equal(await models(a.url), 401);
  });
});
