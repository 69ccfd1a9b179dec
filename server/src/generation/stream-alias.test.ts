import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { streamAliasOf, streamAliasOfKey } from './stream-alias.ts';
import { streamKeyOf } from './stream-key.ts';

describe('streamAliasOfKey', () => {
  test('gives a generation key the alias its owner and stream id name, in the owner’s hash slot', () => {
    const owners = ['anon:5b1f0c52-3c1e-4a56-9a55-6f0c2f1f8d11', 'user:alice', 'user:we}:chat:ird:{sub}'];
    for (const ownerId of owners) {
      const generation = { ownerId, chatId: 'c5a1b3e4-0d3f-4a8e-9a55-000000000001', streamId: 's-1' };
      const alias = streamAliasOfKey(streamKeyOf(generation));
      assert.equal(alias, streamAliasOf(generation), ownerId);
      assert.ok(alias?.startsWith(`user:{${ownerId}}:`), ownerId);
    }
  });

  test('gives any other key no alias', () => {
    for (const key of [
      '',
      'stream:{abc}',
      'user:{u}:chat:c',
      'user:{u}:stream:s',
      'user:{u}:chat:c:s:extra',
    ]) {
      assert.equal(streamAliasOfKey(key), undefined, key);
    }
  });
});
