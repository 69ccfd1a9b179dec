import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { createMarkovModel } from './markov-model.ts';
import { createRandom } from './random.ts';

const corpus = readFileSync(new URL('./corpus.txt', import.meta.url), 'utf8');

const tiny = [
  '# Kitchen',
  'The pan is hot. The pan is heavy and black.',
  '# Garden',
  'The soil is dark and full of worms. Water the beans early.',
].join('\n');

describe('the bundled corpus', () => {
  test('is 25 to 40 KB of plain ASCII prose in sections', () => {
    assert.ok(corpus.length >= 25_000 && corpus.length <= 40_000, `${corpus.length} characters`);
    assert.match(corpus, /^[\x20-\x7e\n]*$/);
    const model = createMarkovModel(corpus);
    assert.ok(model.sections.length >= 10);
    assert.ok(model.sentences.every((sentence) => /[.!?]$/.test(sentence.words.at(-1) ?? '')));
  });
});

describe('createMarkovModel', () => {
  test('splits sections and sentences', () => {
    const model = createMarkovModel(tiny);
    assert.deepEqual(model.sections, ['Kitchen', 'Garden']);
    assert.deepEqual(
      model.sentences.map((sentence) => [sentence.section, sentence.words.join(' ')]),
      [
        [0, 'The pan is hot.'],
        [0, 'The pan is heavy and black.'],
        [1, 'The soil is dark and full of worms.'],
        [1, 'Water the beans early.'],
      ],
    );
  });

  test('finds sentences that share word stems, rare words first', () => {
    const model = createMarkovModel(corpus);
    const matches = model.findRelevant('Why does my bread dough not rise?');
    const best = model.sentences[matches[0]?.sentence ?? -1];
    assert.ok(best, 'a match');
    assert.equal(model.sections[best.section], 'Cooking at home');
    assert.match(best.words.join(' ').toLowerCase(), /bread|dough|rise/);
    assert.deepEqual(model.findRelevant('what would they do?'), []);
  });

  test('reports where the shared word is', () => {
    const model = createMarkovModel(tiny);
    assert.deepEqual(model.findRelevant('Growing BEANS'), [{ sentence: 3, score: Math.log(4), at: 2 }]);
  });

  test('continues a start through the chain to a sentence end', () => {
    const model = createMarkovModel(tiny);
    const random = createRandom(1);
    for (let i = 0; i < 20; i++) {
      const sentence = model.generateSentence(random, { start: { sentence: 0, words: 2 }, maxWords: 20 });
      assert.ok(sentence === 'The pan is hot.' || sentence === 'The pan is heavy and black.', sentence);
    }
  });

  test('gives up on sentences longer than maxWords', () => {
    const model = createMarkovModel(tiny);
    const sentence = model.generateSentence(createRandom(1), {
      start: { sentence: 2, words: 3 },
      maxWords: 4,
    });
    assert.equal(sentence, undefined);
  });

  test('writes a sentence from a random start', () => {
    const model = createMarkovModel(corpus);
    const random = createRandom(5);
    const sentences = Array.from({ length: 20 }, () => model.generateSentence(random, { maxWords: 60 }));
    for (const sentence of sentences.filter((text) => text !== undefined)) {
      assert.match(sentence, /^[A-Z].*[.!?]$/);
    }
    assert.ok(new Set(sentences).size > 10);
  });
});
