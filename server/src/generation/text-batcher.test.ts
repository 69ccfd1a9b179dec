import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTextBatcher } from './text-batcher.ts';

test('the first piece goes out at once; the next ones gather until the window has passed', async () => {
  const sent: string[] = [];
  const batcher = createTextBatcher({ maxChars: 100, windowMs: 30, send: (text) => sent.push(text) });
  batcher.push('Hel');
  assert.deepEqual(sent, ['Hel'], 'no wait before the first token');
  batcher.push('lo');
  batcher.push(', ');
  batcher.push('');
  assert.deepEqual(sent, ['Hel']);
  await sleep(60);
  assert.deepEqual(sent, ['Hel', 'lo, ']);
});

test('a batch that reaches maxChars goes out at once, and flush sends what is left', () => {
  const sent: string[] = [];
  const batcher = createTextBatcher({ maxChars: 5, windowMs: 60_000, send: (text) => sent.push(text) });
  batcher.push('a');
  batcher.push('bcd');
  batcher.push('ef');
  batcher.push('g');
  assert.deepEqual(sent, ['a', 'bcdef']);
  batcher.flush();
  batcher.flush();
  assert.deepEqual(sent, ['a', 'bcdef', 'g'], 'flush sends the rest once, and cancels the window');
});

test('a window of 0 sends every piece as it comes', () => {
  const sent: string[] = [];
  const batcher = createTextBatcher({ maxChars: 256, windowMs: 0, send: (text) => sent.push(text) });
  for (const piece of ['one', ' two', ' three']) {
    batcher.push(piece);
  }
  assert.deepEqual(sent, ['one', ' two', ' three']);
});
