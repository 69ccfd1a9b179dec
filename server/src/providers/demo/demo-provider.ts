import { createHash, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setImmediate, setTimeout } from 'node:timers/promises';
import type { DemoConfig } from '../../config.ts';
import type { ModelEvent, ModelRequest, Provider } from '../provider.ts';
import { countTokens, splitTokens } from '../tokenizer.ts';
import { composeAnswer } from './compose-answer.ts';
import { limitAnswer } from './limit-answer.ts';
import { createMarkovModel } from './markov-model.ts';
import { createRandom, type Random } from './random.ts';

/** Last user message that makes the demo answer with Markdown full of XSS payloads, for renderer tests. */
export const xssTestPrompt = '__xss_test__';
/** Last user message that makes the demo answer with exactly `longTestTokens` tokens. */
export const longTestPrompt = '__long_test__';
export const longTestTokens = 2000;

export const xssTestAnswer = [
  'This answer checks that the chat renders **Markdown** safely.',
  '<img src=x onerror="window.__xss=1">',
  '[click](javascript:window.__xss=1)',
  '<script>window.__xss=1</script>',
  'If you can read this paragraph and nothing above ran, the renderer escaped every payload.',
].join('\n\n');

const model = createMarkovModel(readFileSync(new URL('./corpus.txt', import.meta.url), 'utf8'));

// Without maxTokens an answer grows to a random target in this range and then ends with its sentence.
const naturalTokens = { min: 80, max: 360 };
// When tokens are due back to back, still give the event loop a turn this often.
const yieldEvery = 32;

function requestSeed(request: ModelRequest, seed: number): number {
  const digest = createHash('sha256')
    .update(JSON.stringify([seed, request.system ?? '', request.messages]))
    .digest();
  return digest.readUInt32LE(0);
}

function writeAnswer(request: ModelRequest, random: Random): string[] {
  const userTurns = request.messages.filter((turn) => turn.role === 'user').map((turn) => turn.content);
  const last = userTurns.at(-1) ?? '';
  if (last === xssTestPrompt) {
    return splitTokens(xssTestAnswer);
  }
  const long = last === longTestPrompt;
  const answer = composeAnswer(model, random, {
    topics: [last, userTurns.join('\n'), request.system ?? ''],
    // Sentences are counted one by one; the margin makes sure the joined text is long enough to cut.
    targetTokens: long ? longTestTokens + 100 : random.int(naturalTokens.min, naturalTokens.max),
  });
  const pieces = splitTokens(answer);
  return long ? pieces.slice(0, longTestTokens) : pieces;
}

async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await setTimeout(ms, undefined, { signal });
  } catch (error) {
    // The timer rejects with its own AbortError; callers expect the signal's reason.
    signal.throwIfAborted();
    throw error;
  }
}

async function* paceTokens(
  pieces: readonly string[],
  options: DemoConfig,
  signal: AbortSignal,
): AsyncGenerator<string> {
  const interval = options.tokensPerSecond > 0 ? 1000 / options.tokensPerSecond : 0;
  const firstAt = performance.now() + options.firstTokenDelayMs;
  for (const [index, piece] of pieces.entries()) {
    signal.throwIfAborted();
    // Scheduled from the first token, not from the previous one, so timer lateness does not add up.
    const wait = firstAt + index * interval - performance.now();
    if (wait >= 1) {
      await sleep(wait, signal);
    } else if (index % yieldEvery === yieldEvery - 1) {
      await setImmediate();
    }
    signal.throwIfAborted();
    yield piece;
  }
}

/**
 * The built-in `demo` model: readable English from a word trigram Markov chain over a bundled corpus, with no
 * network. Sentences start where the corpus shares words with the prompt, so the answer stays near its topic.
 * Each `text` event is one o200k_base token, streamed at `tokensPerSecond` after `firstTokenDelayMs` (0 for
 * either means no wait). With `request.seed` the answer and its chunking are the same on every run.
 *
 * Two prompts exist for tests: a last user message of exactly `__xss_test__` gets a fixed Markdown answer
 * holding XSS payloads (an `<img onerror>`, a `javascript:` link, a `<script>`) and an ordinary paragraph;
 * exactly `__long_test__` gets an answer of exactly 2000 tokens. Both still honour `stop` and `maxTokens`.
 */
export function createDemoProvider(options: Partial<DemoConfig> = {}): Provider {
  const pacing: DemoConfig = {
    tokensPerSecond: options.tokensPerSecond ?? 40,
    firstTokenDelayMs: options.firstTokenDelayMs ?? 300,
  };
  return {
    async *stream(request: ModelRequest, signal: AbortSignal): AsyncGenerator<ModelEvent> {
      signal.throwIfAborted();
      const random = createRandom(
        request.seed === undefined ? randomInt(2 ** 32) : requestSeed(request, request.seed),
      );
      const { pieces, reason } = limitAnswer(writeAnswer(request, random), request);
      for await (const text of paceTokens(pieces, pacing, signal)) {
        yield { type: 'text', text };
      }
      const input = [request.system ?? '', ...request.messages.map((turn) => turn.content)];
      yield {
        type: 'usage',
        inputTokens: input.reduce((sum, text) => sum + countTokens(text), 0),
        outputTokens: countTokens(pieces.join('')),
      };
      yield { type: 'finish', reason };
    },
  };
}
