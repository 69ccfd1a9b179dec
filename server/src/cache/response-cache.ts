import type { FinishReason } from '../../../protocol/events.ts';

/** A finished answer as the response cache keeps it: enough to stream it again as if it were generated. */
export interface CachedAnswer {
  text: string;
  /** The text split as it streamed, so a replay looks the same. */
  pieces: string[];
  finishReason: FinishReason;
  inputTokens: number;
  outputTokens: number;
  /** The Parley model id that generated the answer. */
  model: string;
  createdAt: string;
}

/**
 * Answers to deterministic requests, by `cacheKeyOf(request)`. A cache is an optimisation, never a
 * dependency: when its engine fails, `get` resolves undefined and `set` resolves without storing, and the
 * failure goes to the engine's `onError`, so a generation never fails because of it. Entries are values:
 * changing an answer after `set`, or the one `get` returned, leaves the cached answer as it was.
 */
export interface ResponseCache {
  /** The answer stored under `key`, or undefined when there is none, it expired, or the cache failed. */
  get(key: string): Promise<CachedAnswer | undefined>;
  /** Stores `answer` under `key` for the cache's TTL, replacing what was there; skips answers too large to keep. */
  set(key: string, answer: CachedAnswer): Promise<void>;
  /** Stops using the engine; later calls miss and store nothing. Does not close a client it was given. */
  close(): Promise<void>;
}

export interface ResponseCacheOptions {
  /** How long an answer stays, counted from `set`; 1 hour by default. */
  ttlMs?: number;
  /**
   * Answers larger than this (about the bytes stored: the text whole and in pieces) are not cached, and
   * what the key held stays; 1 MiB by default. A few huge answers must not push out many ordinary ones.
   */
  maxAnswerBytes?: number;
}

export const defaultCacheTtlMs = 60 * 60 * 1000;
export const defaultMaxAnswerBytes = 1024 * 1024;
