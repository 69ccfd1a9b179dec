import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRandom } from './random.ts';

const draw = (seed: number): number[] => {
  const random = createRandom(seed);
  return Array.from({ length: 20 }, () => random.next());
};

describe('createRandom', () => {
  test('repeats its sequence for a seed and changes it with the seed', () => {
    assert.deepEqual(draw(42), draw(42));
    assert.notDeepEqual(draw(42), draw(43));
  });

  test('stays within its ranges', () => {
    const random = createRandom(7);
    const ints = Array.from({ length: 1000 }, () => random.int(3, 6));
    assert.ok(ints.every((value) => Number.isInteger(value) && value >= 3 && value <= 6));
    assert.deepEqual([...new Set(ints)].sort(), [3, 4, 5, 6]);
    assert.ok(draw(7).every((value) => value >= 0 && value < 1));
  });

  test('shuffles into a permutation without touching its input', () => {
    const items = [1, 2, 3, 4, 5, 6, 7, 8];
    const shuffled = createRandom(1).shuffle(items);
    assert.deepEqual(items, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual([...shuffled].sort(), items);
    assert.notDeepEqual(shuffled, items);
  });

  test('refuses to pick from nothing', () => {
    assert.throws(() => createRandom(1).pick([]), RangeError);
  });
});
