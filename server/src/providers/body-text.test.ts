import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { readBodyText } from './body-text.ts';

test('a character split across chunks is decoded whole', async () => {
  const body = new PassThrough();
  const euro = Buffer.from('€');
  body.write(Buffer.concat([Buffer.from('a'), euro.subarray(0, 1)]));
  body.end(Buffer.concat([euro.subarray(1), Buffer.from('b')]));
  let text = '';
  for await (const piece of readBodyText(body)) {
    text += piece;
  }
  assert.equal(text, 'a€b');
});

test('what arrives while the reader is busy comes as one piece, and the end after it', async () => {
  const body = new PassThrough();
  const reader = readBodyText(body);
  body.write('first');
  assert.deepEqual(await reader.next(), { done: false, value: 'first' });
  body.write('second ');
  body.write('third');
  await nextTurn();
  assert.deepEqual(await reader.next(), { done: false, value: 'second third' });
  body.end();
  assert.deepEqual(await reader.next(), { done: true, value: undefined });
});

test('a failed body gives what came before it, then its error', async () => {
  const body = new PassThrough();
  const reader = readBodyText(body);
  body.write('partial');
  assert.deepEqual(await reader.next(), { done: false, value: 'partial' });
  body.destroy(new Error('socket reset'));
  await assert.rejects(reader.next(), /socket reset/);
});

test('a body closed before its end is an error, not an end', async () => {
  const body = new PassThrough();
  const reader = readBodyText(body);
  body.write('partial');
  assert.deepEqual(await reader.next(), { done: false, value: 'partial' });
  body.destroy();
  await assert.rejects(reader.next(), /closed before its end/);
});

test('a reader that falls behind pauses the body, and reading resumes it', async () => {
  const body = new PassThrough();
  const reader = readBodyText(body);
  body.write('x');
  assert.deepEqual(await reader.next(), { done: false, value: 'x' });
  body.write('y'.repeat(70 * 1024));
  await nextTurn();
  assert.equal(body.isPaused(), true);
  const piece = await reader.next();
  assert.equal(piece.value, 'y'.repeat(70 * 1024));
  assert.equal(body.isPaused(), false);
  await reader.return(undefined);
  assert.equal(body.listenerCount('data'), 0);
});
