import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

const redisUrl = process.env.REDIS_URL;

/** The `skip` option of a suite that needs Redis: it runs whenever REDIS_URL is set. */
export const testRedisSkip = redisUrl ? false : 'REDIS_URL not set';

export interface TestRedis {
  /** Random per call: every key the test writes starts with it. */
  prefix: string;
  /** A new connection to REDIS_URL; cleanup closes it. */
  connect(): Redis;
  /** Deletes every key under `prefix` and closes the connections `connect` made. */
  cleanup(): Promise<void>;
}

/** A key prefix of its own on REDIS_URL's server, for one test or one suite (skipped with testRedisSkip). */
export function createTestRedis(): TestRedis {
  const prefix = `parley-test:${randomUUID()}:`;
  const connections: Redis[] = [];
  return {
    prefix,
    connect() {
      const redis = new Redis(requireUrl());
      connections.push(redis);
      return redis;
    },
    async cleanup() {
      // Only a connection made here can have written under the prefix.
      if (connections.length === 0) {
        return;
      }
      await deleteKeys(requireUrl(), prefix);
      await Promise.all(connections.map((redis) => redis.quit()));
    },
  };
}

function requireUrl(): string {
  if (!redisUrl) {
    throw new Error('REDIS_URL not set: skip the suite with testRedisSkip');
  }
  return redisUrl;
}

/** Deletes every key that starts with `prefix`, over a connection of its own. */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) {
        await redis.del(...keys);
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
