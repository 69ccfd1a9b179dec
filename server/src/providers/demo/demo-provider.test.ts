import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ModelEvent, ModelRequest } from '../provider.ts';
import { countTokens } from '../tokenizer.ts';
import { createDemoProvider, longTestPrompt, xssTestAnswer, xssTestPrompt } from './demo-provider.ts';

const fast = createDemoProvider({ tokensPerSecond: 0, firstTokenDelayMs: 0 });

const ask = (content: string, extra: Partial<ModelRequest> = {}): ModelRequest => ({
  model: 'demo',
  messages: [{ role: 'user', content }],
  ...extra,
});

async function collect(
  request: ModelRequest,
  provider = fast,
  signal = new AbortController().signal,
): Promise<ModelEvent[]> {
  const events: ModelEvent[] = [];
  for await (const event of provider.stream(request, signal)) {
    events.push(event);
  }
  return events;
}

const textOf = (events: ModelEvent[]): string =>
  events.map((event) => (event.type === 'text' ? event.text : '')).join('');
const textEvents = (events: ModelEvent[]): number => events.filter((event) => event.type === 'text').length;
const finishOf = (events: ModelEvent[]): ModelEvent | undefined => events.at(-1);

const cookingWords = new Set(
  'salt pan heat pasta onions garlic flavour flavours cook cooks cooking dish bread soup stew butter oil dough yeast taste sauce'.split(
    ' ',
  ),
);
const cookingWordsIn = (text: string): number =>
  new Set((text.toLowerCase().match(/[a-z]+/g) ?? []).filter((word) => cookingWords.has(word))).size;

describe('demo provider', () => {
  test('repeats the same answer and chunking for the same request and seed', async () => {
    const request = ask('How does streaming work over a network?', { seed: 7 });
    assert.deepEqual(await collect(request), await collect(request));
  });

  test('answers differently for another seed, and without a seed', async () => {
    const prompt = 'How does streaming work over a network?';
    assert.notEqual(
      textOf(await collect(ask(prompt, { seed: 1 }))),
      textOf(await collect(ask(prompt, { seed: 2 }))),
    );
    const unseeded = await Promise.all([1, 2, 3].map(async () => textOf(await collect(ask(prompt)))));
    assert.ok(new Set(unseeded).size > 1);
  });

  test('writes sentences in paragraphs, ending at a sentence end with reason stop', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const events = await collect(ask('Tell me about rivers and forests.', { seed }));
      const text = textOf(events);
      assert.match(text, /^[A-Z#].*[.!?]$/s);
      assert.ok(textEvents(events) >= 80 && textEvents(events) <= 450, `${textEvents(events)} tokens`);
      assert.deepEqual(finishOf(events), { type: 'finish', reason: 'stop' });
    }
  });

  test('does not echo the prompt', async () => {
    const prompt = 'Could you explain how packets find their way across the network to my computer?';
    for (const seed of [1, 2, 3]) {
      const text = textOf(await collect(ask(prompt, { seed })));
      assert.ok(!text.includes(prompt));
      assert.ok(!text.startsWith(prompt.slice(0, 20)));
    }
  });

  test('answers on the topic of the prompt', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const cooking = cookingWordsIn(
        textOf(await collect(ask('How do I cook pasta so it tastes good?', { seed }))),
      );
      const networks = cookingWordsIn(
        textOf(await collect(ask('How do packets travel across networks?', { seed }))),
      );
      assert.ok(cooking >= 4, `${cooking} cooking words`);
      assert.ok(cooking > networks, `${cooking} cooking words against ${networks}`);
    }
  });

  test('emits exactly maxTokens tokens and ends with reason length', async () => {
    const events = await collect(ask('Tell me about the night sky.', { seed: 3, maxTokens: 17 }));
    assert.equal(textEvents(events), 17);
    assert.deepEqual(finishOf(events), { type: 'finish', reason: 'length' });
  });

  test('cuts before a stop sequence that spans tokens and never emits it', async () => {
    const request = ask('Tell me about the night sky.', { seed: 3 });
    const events = await collect(request);
    const pieces = events.flatMap((event) => (event.type === 'text' ? [event.text] : []));
    const stop = `${pieces[10]?.slice(-2)}${pieces[11]}${pieces[12]?.slice(0, 2)}`;
    const full = pieces.join('');

    const stopped = await collect({ ...request, stop: ['never in the answer', stop] });
    assert.equal(textOf(stopped), full.slice(0, full.indexOf(stop)));
    assert.ok(stopped.every((event) => event.type !== 'text' || !event.text.includes(stop)));
    assert.deepEqual(finishOf(stopped), { type: 'finish', reason: 'stop' });
  });

  test('reports usage as the tokenizer counts it, then finishes', async () => {
    const request: ModelRequest = {
      model: 'demo',
      system: 'You are terse.',
      messages: [
        { role: 'user', content: 'What is a transaction?' },
        { role: 'assistant', content: 'A unit of work that happens completely or not at all.' },
        { role: 'user', content: 'And how do backups help?' },
      ],
      seed: 11,
    };
    for (const maxTokens of [undefined, 25]) {
      const events = await collect({ ...request, maxTokens });
      const inputTokens = ['You are terse.', ...request.messages.map((turn) => turn.content)]
        .map(countTokens)
        .reduce((sum, count) => sum + count, 0);
      assert.deepEqual(events.at(-2), {
        type: 'usage',
        inputTokens,
        outputTokens: countTokens(textOf(events)),
      });
      assert.equal(events.at(-1)?.type, 'finish');
    }
  });

  test('stops promptly with the abort reason when aborted mid-stream', async () => {
    const slow = createDemoProvider({ tokensPerSecond: 10, firstTokenDelayMs: 0 });
    const controller = new AbortController();
    const started = performance.now();
    let texts = 0;
    await assert.rejects(
      async () => {
        for await (const event of slow.stream(
          ask('Tell me about gardens.', { seed: 2 }),
          controller.signal,
        )) {
          if (event.type === 'text' && ++texts === 2) {
            setTimeout(() => controller.abort(), 20);
          }
        }
      },
      (error) => error === controller.signal.reason && error instanceof Error && error.name === 'AbortError',
    );
    assert.ok(texts >= 2 && texts < 5, `${texts} tokens`);
    // The whole answer would take 8 s or more at 10 tokens a second.
    assert.ok(performance.now() - started < 2000);
  });

  test('throws the reason of an already aborted signal before any event', async () => {
    const reason = new DOMException('gone', 'AbortError');
    await assert.rejects(collect(ask('hello'), fast, AbortSignal.abort(reason)), (error) => error === reason);
  });

  test('keeps the configured rate and first token delay', async () => {
    const paced = createDemoProvider({ tokensPerSecond: 1000, firstTokenDelayMs: 0 });
    let started = performance.now();
    const events = await collect(ask('Tell me about music.', { seed: 1, maxTokens: 50 }), paced);
    assert.equal(textEvents(events), 50);
    assert.ok(performance.now() - started >= 45, `${performance.now() - started} ms`);

    const delayed = createDemoProvider({ tokensPerSecond: 0, firstTokenDelayMs: 100 });
    started = performance.now();
    for await (const event of delayed.stream(
      ask('Tell me about music.', { seed: 1 }),
      new AbortController().signal,
    )) {
      assert.equal(event.type, 'text');
      assert.ok(performance.now() - started >= 95);
      break;
    }
  });

  test('lets the event loop run while streaming as fast as possible', async () => {
    let ticked = false;
    setImmediate(() => {
      ticked = true;
    });
    let tickedBeforeEnd = false;
    for await (const event of fast.stream(ask(longTestPrompt, { seed: 1 }), new AbortController().signal)) {
      if (event.type === 'finish') {
        tickedBeforeEnd = ticked;
      }
    }
    assert.ok(tickedBeforeEnd);
  });

  test('answers __xss_test__ with the fixed XSS payloads', async () => {
    const events = await collect(ask(xssTestPrompt, { seed: 1 }));
    const text = textOf(events);
    assert.equal(text, xssTestAnswer);
    assert.ok(text.includes('<img src=x onerror="window.__xss=1">'));
    assert.ok(text.includes('[click](javascript:window.__xss=1)'));
    assert.ok(text.includes('<script>window.__xss=1</script>'));
    assert.deepEqual(finishOf(events), { type: 'finish', reason: 'stop' });
  });

  test('answers __long_test__ with exactly 2000 tokens, within maxTokens', async () => {
    const events = await collect(ask(longTestPrompt));
    assert.equal(textEvents(events), 2000);
    assert.deepEqual(finishOf(events), { type: 'finish', reason: 'stop' });
    const limited = await collect(ask(longTestPrompt, { maxTokens: 100 }));
    assert.equal(textEvents(limited), 100);
    assert.deepEqual(finishOf(limited), { type: 'finish', reason: 'length' });
  });
});
