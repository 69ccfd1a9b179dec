import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countTokens, splitTokens } from './tokenizer.ts';

describe('tokenizer', () => {
  test('counts o200k_base tokens', () => {
    assert.equal(countTokens(''), 0);
    assert.equal(countTokens('Hello world'), 2);
    assert.equal(countTokens(' Hello world, this is a test of tokenization.'), 11);
  });

  test('counts special token text as plain text instead of throwing', () => {
    assert.ok(countTokens('before <|endoftext|> after') > 3);
  });

  test('splits text into token strings with their leading spaces', () => {
    assert.deepEqual(splitTokens(' Hello world, this is tokenization.'), [
      ' Hello',
      ' world',
      ',',
      ' this',
      ' is',
      ' token',
      'ization',
      '.',
    ]);
  });

  test('keeps a character that spans tokens whole', () => {
    const text = 'pasta 🍝🦜 and <|endoftext|> café';
    const pieces = splitTokens(text);
    assert.equal(pieces.join(''), text);
    assert.ok(pieces.includes('🍝'));
    assert.ok(pieces.every((piece) => !piece.includes('\uFFFD')));
    assert.ok(pieces.length < countTokens(text));
  });
});
