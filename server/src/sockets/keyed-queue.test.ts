import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKeyedQueue } from './keyed-queue.ts';

test('tasks of one key run in order, even when an earlier one is slower', async () => {
  const errors: unknown[] = [];
  const enqueue = createKeyedQueue((error) => errors.push(error));
  const order: string[] = [];
  enqueue('alice', async () => {
    await sleep(30);
    order.push('alice 1');
  });
  enqueue('alice', async () => {
    order.push('alice 2');
  });
  enqueue('bob', async () => {
    order.push('bob 1');
  });
  await sleep(60);
  assert.deepEqual(order, ['bob 1', 'alice 1', 'alice 2']);
  assert.deepEqual(errors, []);
});

test('a failing task is reported and the next one still runs', async () => {
  const errors: unknown[] = [];
  const enqueue = createKeyedQueue((error) => errors.push(error));
  const boom = new Error('boom');
  let ran = false;
  enqueue('alice', async () => {
    throw boom;
  });
  enqueue('alice', async () => {
    ran = true;
  });
  await sleep(10);
  assert.deepEqual(errors, [boom]);
  assert.equal(ran, true);
});
