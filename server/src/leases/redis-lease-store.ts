import type { Redis } from 'ioredis';
import type { LeaseStore } from './lease-store.ts';

// Renew and release only a lease this instance still holds: after a takeover the key may name another.
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** Leases as Redis keys that expire: `SET NX PX` to take, a compare-and-extend script to renew. */
export function createRedisLeaseStore(options: {
  redis: Redis;
  prefix: string;
  /** Identifies this instance in the lease value. */
  instanceId: string;
  ttlMs: number;
}): LeaseStore {
  const { redis, prefix, instanceId, ttlMs } = options;
  const keyOf = (streamId: string) => `${prefix}lease:{${streamId}}`;
  return {
    async acquire(streamId) {
      await redis.set(keyOf(streamId), instanceId, 'PX', ttlMs);
    },
    async renew(streamId) {
      return (await redis.eval(RENEW, 1, keyOf(streamId), instanceId, ttlMs)) === 1;
    },
    async release(streamId) {
      await redis.eval(RELEASE, 1, keyOf(streamId), instanceId);
    },
    async isHeld(streamId) {
      return (await redis.exists(keyOf(streamId))) === 1;
    },
  };
}
