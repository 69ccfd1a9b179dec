import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createUsagePusher } from './usage-pusher.ts';

test('usage pushes: one read in flight per principal, and one more after it covers every change meanwhile', async () => {
  const reads: { principalId: string; done: PromiseWithResolvers<void> }[] = [];
  const errors: unknown[] = [];
  const changed = createUsagePusher(
    (principalId) => {
      const done = Promise.withResolvers<void>();
      reads.push({ principalId, done });
      return done.promise;
    },
    (error) => errors.push(error),
  );
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  changed('a');
  changed('b');
  for (let change = 0; change < 5; change++) {
    changed('a');
  }
  assert.deepEqual(
    reads.map((read) => read.principalId),
    ['a', 'b'],
  );

  reads[0]?.done.resolve();
  await settle();
  assert.deepEqual(
    reads.map((read) => read.principalId),
    ['a', 'b', 'a'],
    'the changes during the first read are covered by one more',
  );

  reads[2]?.done.reject(new Error('database away'));
  reads[1]?.done.resolve();
  await settle();
  assert.equal(reads.length, 3, 'nothing changed since: no more reads');
  assert.equal(errors.length, 1);

  changed('a');
  assert.equal(reads.length, 4, 'a failed read does not block the next change');
});
