import type { Redis } from 'ioredis';
import { parseCachedAnswer } from './parse-cached-answer.ts';
import {
  type CachedAnswer,
  defaultCacheTtlMs,
  defaultMaxAnswerBytes,
  type ResponseCache,
  type ResponseCacheOptions,
} from './response-cache.ts';

export interface RedisResponseCacheOptions extends ResponseCacheOptions {
  /** Runs the GETs and SETs; the cache does not close it. */
  redis: Redis;
  /** Starts every key the cache writes, so deployments and test runs can share a Redis. */
  prefix: string;
  /** Hears every failure the cache swallows: Redis down or slow, a stored value that is not an answer. */
  onError: (error: unknown) => void;
  /**
   * A command that takes longer counts as failed; 500 ms by default. While Redis reconnects, ioredis
   * queues commands for seconds, and a cache lookup must not hold up the generation it is meant to speed up.
   */
  timeoutMs?: number;
}

export const defaultCacheTimeoutMs = 500;

async function within<T>(ms: number, command: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis did not answer the response cache within ${ms} ms.`)),
      ms,
    );
  });
  try {
    return await Promise.race([command, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The response cache on Redis, shared by every instance: one string per answer, its JSON, written with
 * `SET ... PX` so Redis expires it. Keys are `${prefix}cache:{key}`; the hash tag keeps a Redis Cluster happy.
 */
export function createRedisResponseCache(options: RedisResponseCacheOptions): ResponseCache {
  const { redis, prefix, onError } = options;
  const ttlMs = options.ttlMs ?? defaultCacheTtlMs;
  const maxAnswerBytes = options.maxAnswerBytes ?? defaultMaxAnswerBytes;
  const timeoutMs = options.timeoutMs ?? defaultCacheTimeoutMs;
  const keyOf = (key: string) => `${prefix}cache:{${key}}`;
  let closed = false;

  return {
    async get(key: string): Promise<CachedAnswer | undefined> {
      if (closed) {
        return undefined;
      }
      try {
        const json = await within(timeoutMs, redis.get(keyOf(key)));
        return json === null ? undefined : parseCachedAnswer(json);
      } catch (error) {
        onError(error);
        return undefined;
      }
    },

    async set(key: string, answer: CachedAnswer): Promise<void> {
      if (closed) {
        return;
      }
      const json = JSON.stringify(answer);
      if (Buffer.byteLength(json) > maxAnswerBytes) {
        return;
      }
      try {
        await within(timeoutMs, redis.set(keyOf(key), json, 'PX', ttlMs));
      } catch (error) {
        onError(error);
      }
    },

    async close(): Promise<void> {
      closed = true;
    },
  };
}
