import { LRUCache } from 'lru-cache';
import {
  type CachedAnswer,
  defaultCacheTtlMs,
  defaultMaxAnswerBytes,
  type ResponseCache,
  type ResponseCacheOptions,
} from './response-cache.ts';

export interface MemoryResponseCacheOptions extends ResponseCacheOptions {
  /** The least recently used answers go beyond this many. */
  maxEntries: number;
  /** The least recently used answers also go beyond this many bytes in all; 64 MiB by default. */
  maxBytes?: number;
  /** The clock TTLs are measured on, in milliseconds; injected by tests. */
  now?: () => number;
}

export const defaultMaxCacheBytes = 64 * 1024 * 1024;

// V8 keeps a string in one or two bytes per character; the pieces hold the same characters again.
function sizeOf(answer: CachedAnswer): number {
  return Math.max(1, answer.text.length * 2);
}

function copyOf(answer: CachedAnswer): CachedAnswer {
  return { ...answer, pieces: [...answer.pieces] };
}

/** The response cache inside one process: an LRU bounded by entries and by bytes, with a TTL per answer. */
export function createMemoryResponseCache(options: MemoryResponseCacheOptions): ResponseCache {
  const maxAnswerBytes = options.maxAnswerBytes ?? defaultMaxAnswerBytes;
  const { now } = options;
  const answers = new LRUCache<string, CachedAnswer>({
    max: options.maxEntries,
    maxSize: options.maxBytes ?? defaultMaxCacheBytes,
    sizeCalculation: sizeOf,
    ttl: options.ttlMs ?? defaultCacheTtlMs,
    // The library otherwise reads its clock at most once per millisecond through a timer; exact is cheap here.
    ttlResolution: 0,
    ...(now && { perf: { now } }),
  });
  let closed = false;

  return {
    async get(key: string): Promise<CachedAnswer | undefined> {
      const answer = closed ? undefined : answers.get(key);
      return answer && copyOf(answer);
    },

    async set(key: string, answer: CachedAnswer): Promise<void> {
      // Checked here rather than by the library, which would also drop what the key held.
      if (!closed && sizeOf(answer) <= maxAnswerBytes) {
        answers.set(key, copyOf(answer));
      }
    },

    async close(): Promise<void> {
      closed = true;
      answers.clear();
    },
  };
}
