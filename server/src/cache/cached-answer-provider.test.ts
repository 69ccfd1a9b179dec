import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ModelEvent, ModelRequest } from '../providers/provider.ts';
import { createCachedAnswerProvider } from './cached-answer-provider.ts';
import type { CachedAnswer } from './response-cache.ts';

const request: ModelRequest = { model: 'anything', messages: [{ role: 'user', content: 'hi' }] };

function answerOf(pieces: string[]): CachedAnswer {
  return {
    text: pieces.join(''),
    pieces,
    finishReason: 'length',
    inputTokens: 9,
    outputTokens: pieces.length,
    model: 'demo',
    createdAt: '2025-01-01T00:00:00.000Z',
  };
}

async function collect(answer: CachedAnswer, signal = new AbortController().signal): Promise<ModelEvent[]> {
  const events: ModelEvent[] = [];
  for await (const event of createCachedAnswerProvider(answer).stream(request, signal)) {
    events.push(event);
  }
  return events;
}

describe('createCachedAnswerProvider', () => {
  test('streams the cached pieces, then the cached usage and finish reason', async () => {
    const answer = answerOf(['Hello', ',', ' world', '.']);
    assert.deepEqual(await collect(answer), [
      { type: 'text', text: 'Hello' },
      { type: 'text', text: ',' },
      { type: 'text', text: ' world' },
      { type: 'text', text: '.' },
      { type: 'usage', inputTokens: 9, outputTokens: 4 },
      { type: 'finish', reason: 'length' },
    ]);
  });

  test('streams an empty answer as usage and finish alone', async () => {
    assert.deepEqual(await collect(answerOf([])), [
      { type: 'usage', inputTokens: 9, outputTokens: 0 },
      { type: 'finish', reason: 'length' },
    ]);
  });

  test('replays its first piece at once, then lets the event loop run every 64 pieces', async () => {
    const answer = answerOf(Array.from({ length: 1000 }, (_, n) => `${n} `));
    const ranAfter: number[] = [];
    let texts = 0;
    setImmediate(() => {
      ranAfter.push(texts);
      setImmediate(() => ranAfter.push(texts));
    });
    for await (const event of createCachedAnswerProvider(answer).stream(
      request,
      new AbortController().signal,
    )) {
      texts += event.type === 'text' ? 1 : 0;
    }
    assert.equal(texts, 1000);
    assert.deepEqual(ranAfter, [64, 128]);
  });

  test('throws the abort reason, before the first event and mid-stream', async () => {
    const reason = new Error('cancelled by the user');
    const before = new AbortController();
    before.abort(reason);
    await assert.rejects(collect(answerOf(['a']), before.signal), (error) => error === reason);

    const during = new AbortController();
    const got: ModelEvent[] = [];
    const stream = createCachedAnswerProvider(answerOf(['a', 'b', 'c'])).stream(request, during.signal);
    await assert.rejects(
      (async () => {
        for await (const event of stream) {
          got.push(event);
          during.abort(reason);
        }
      })(),
      (error) => error === reason,
    );
    assert.deepEqual(got, [{ type: 'text', text: 'a' }]);
  });

  test('aborting after the last piece still stops before usage and finish', async () => {
    const controller = new AbortController();
    const got: ModelEvent[] = [];
    await assert.rejects(
      (async () => {
        for await (const event of createCachedAnswerProvider(answerOf(['only'])).stream(
          request,
          controller.signal,
        )) {
          got.push(event);
          controller.abort();
        }
      })(),
      { name: 'AbortError' },
    );
    assert.deepEqual(got, [{ type: 'text', text: 'only' }]);
  });
});
