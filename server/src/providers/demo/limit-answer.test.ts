import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { limitAnswer } from './limit-answer.ts';

const pieces = ['The', ' pan', ' is', ' hot', '.', ' Add', ' the', ' salt', '.'];

describe('limitAnswer', () => {
  test('keeps the whole answer with reason stop when nothing limits it', () => {
    assert.deepEqual(limitAnswer(pieces, {}), { pieces, reason: 'stop' });
    assert.deepEqual(limitAnswer(pieces, { stop: ['pepper'], maxTokens: 9 }), { pieces, reason: 'stop' });
  });

  test('cuts before a stop sequence that spans pieces', () => {
    const { pieces: kept, reason } = limitAnswer(pieces, { stop: ['ot. Ad'] });
    assert.deepEqual(kept, ['The', ' pan', ' is', ' h']);
    assert.equal(reason, 'stop');
  });

  test('drops the piece a stop sequence starts at its first character', () => {
    assert.deepEqual(limitAnswer(pieces, { stop: [' hot'] }).pieces, ['The', ' pan', ' is']);
  });

  test('uses the earliest of several stop sequences and ignores empty ones', () => {
    const { pieces: kept } = limitAnswer(pieces, { stop: ['', 'salt', '.'] });
    assert.deepEqual(kept, ['The', ' pan', ' is', ' hot']);
  });

  test('ends with reason length after maxTokens pieces', () => {
    assert.deepEqual(limitAnswer(pieces, { maxTokens: 3 }), {
      pieces: ['The', ' pan', ' is'],
      reason: 'length',
    });
    assert.deepEqual(limitAnswer(pieces, { maxTokens: 0 }), { pieces: [], reason: 'length' });
  });

  test('reports whichever limit comes first', () => {
    assert.equal(limitAnswer(pieces, { stop: ['salt'], maxTokens: 3 }).reason, 'length');
    assert.equal(limitAnswer(pieces, { stop: ['pan'], maxTokens: 3 }).reason, 'stop');
  });
});
