import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { SocketConfig } from '../config.ts';

/** Resolves true while the socket `key` is within its budget of messages, false once it is over. */
export type MessageRateLimit = (key: string) => Promise<boolean>;

/**
 * A per-socket budget, kept in this process: a socket lives on one instance, so its count needs no Redis.
 * Records expire with their window, so a closed socket leaves nothing behind.
 */
export function createMessageRateLimit(limit: SocketConfig['rateLimit']): MessageRateLimit {
  const limiter = new RateLimiterMemory({ points: limit.messages, duration: limit.windowSeconds });
  return async (key) => {
    try {
      await limiter.consume(key);
      return true;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        return false;
      }
      throw rejection;
    }
  };
}
