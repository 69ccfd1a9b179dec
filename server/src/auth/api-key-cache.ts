import { LRUCache } from 'lru-cache';
import type { Bus } from '../bus/bus.ts';
import type { ApiKeyRecord, ApiKeyRepository } from '../db/repository.ts';

/** A revoked key may still be accepted for this long on an instance that missed the revoke (see below). */
export const API_KEY_CACHE_TTL_MS = 10_000;
const MAX_KEYS = 10_000;
const REVOKED_CHANNEL = 'api-key-revoked';

export interface ApiKeyCache extends Pick<ApiKeyRepository, 'findActiveKey'> {
  /** Forgets the key here and tells every other instance to; resolves once this instance has. */
  revoked(keyId: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The active keys this instance has seen, so a busy key costs no database read per request: the read would sit
 * before the model is asked, on the time to first token. Only keys that were found are kept, so a new key works
 * at once. A revoke through the API clears the key at once here and, over the bus, on every other instance; one
 * the bus misses (delivery is at most once) or one made with the command line takes effect within the TTL.
 */
export async function createApiKeyCache(
  keys: Pick<ApiKeyRepository, 'findActiveKey'>,
  bus: Bus,
): Promise<ApiKeyCache> {
  const active = new LRUCache<string, ApiKeyRecord>({ max: MAX_KEYS, ttl: API_KEY_CACHE_TTL_MS });
  const forget = (keyId: string) => {
    for (const [hash, key] of active.entries()) {
      if (key.id === keyId) {
        active.delete(hash);
      }
    }
  };
  const unsubscribe = await bus.subscribe(REVOKED_CHANNEL, forget);
  return {
    async findActiveKey(keyHash) {
      const known = active.get(keyHash);
      if (known) {
        return known;
      }
      const found = await keys.findActiveKey(keyHash);
      if (found) {
        active.set(keyHash, found);
      }
      return found;
    },
    async revoked(keyId) {
      forget(keyId);
      await bus.publish(REVOKED_CHANNEL, keyId);
    },
    close: unsubscribe,
  };
}
