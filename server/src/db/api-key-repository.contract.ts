import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { ApiKeyRepository } from './repository.ts';

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1) + seconds * 1000);

/** Part of the repository contract; `keys` is read once the suite's database exists. */
export function apiKeyRepositoryContract(keys: () => ApiKeyRepository): void {
  const newKey = (ownerId: string, seconds: number) => {
    const keyHash = randomBytes(32).toString('hex');
    const input = {
      id: randomUUID(),
      ownerId,
      name: `key ${seconds}`,
      prefix: 'pk-abc',
      keyHash,
      now: at(seconds),
    };
    return { keyHash, created: keys().createKey(input) };
  };

  test('createKey returns the key without its hash; findActiveKey finds it by hash', async () => {
    const ownerId = `owner-${randomUUID()}`;
    const { keyHash, created } = newKey(ownerId, 1);
    const key = await created;
    assert.deepEqual(key, {
      id: key.id,
      ownerId,
      name: 'key 1',
      prefix: 'pk-abc',
      createdAt: at(1),
      revokedAt: null,
    });
    assert.deepEqual(await keys().findActiveKey(keyHash), key);
    assert.equal(await keys().findActiveKey(randomBytes(32).toString('hex')), undefined);
  });

  test("listKeys lists the owner's keys newest first, revoked ones included", async () => {
    const ownerId = `owner-${randomUUID()}`;
    const older = await newKey(ownerId, 1).created;
    const newer = await newKey(ownerId, 2).created;
    await newKey(`owner-${randomUUID()}`, 3).created;
    assert.equal(await keys().revokeKey(ownerId, older.id, at(4)), true);
    assert.deepEqual(await keys().listKeys(ownerId), [newer, { ...older, revokedAt: at(4) }]);
  });

  test('revokeKey works once, only for the owner, and the key stops being found', async () => {
    const ownerId = `owner-${randomUUID()}`;
    const { keyHash, created } = newKey(ownerId, 1);
    const key = await created;
    assert.equal(await keys().revokeKey(`owner-${randomUUID()}`, key.id, at(2)), false);
    assert.deepEqual(await keys().findActiveKey(keyHash), key);
    assert.equal(await keys().revokeKey(ownerId, key.id, at(3)), true);
    assert.equal(await keys().revokeKey(ownerId, key.id, at(4)), false);
    assert.equal(await keys().findActiveKey(keyHash), undefined);
  });

  test('two keys cannot share a hash', async () => {
    const { keyHash, created } = newKey(`owner-${randomUUID()}`, 1);
    await created;
    const input = { id: randomUUID(), ownerId: 'other', name: 'copy', prefix: 'pk', keyHash, now: at(2) };
    await assert.rejects(keys().createKey(input));
  });
}
