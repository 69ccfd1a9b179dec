import { hash } from 'node:crypto';
import { configure } from 'safe-stable-stringify';
import type { ModelRequest } from '../providers/provider.ts';

/** Everything that decides a deterministic answer: the model request, with Parley's model id beside the upstream one. */
export interface CacheableRequest extends Omit<ModelRequest, 'model'> {
  /** The Parley model id. */
  model: string;
  /** The provider's own name for the model, so re-pointing a Parley id at another model misses. */
  upstreamModel: string;
}

// Sorted keys and omitted undefined options make equal requests one string; strict throws on NaN and the like.
const canonicalJson = configure({ deterministic: true, strict: true, circularValue: TypeError });

// Part of every key: raising it when CachedAnswer or the key's contents change makes old entries unreachable.
const keyVersion = 1;

/** The response cache key of a request: a hex SHA-256 over the canonical JSON of model, messages and options. */
export function cacheKeyOf(request: CacheableRequest): string {
  const { model, upstreamModel, system, temperature, topP, topK, maxTokens, stop, seed } = request;
  // An object always stringifies; the library's ESM types lose the overload that says so.
  const json = canonicalJson({
    v: keyVersion,
    model,
    upstreamModel,
    system,
    // Only role and content: whatever else a caller's turns carry (ids, dates) does not change the answer.
    messages: request.messages.map(({ role, content }) => ({ role, content })),
    temperature,
    topP,
    topK,
    maxTokens,
    stop,
    seed,
  }) as string;
  return hash('sha256', json, 'hex');
}

/**
 * Whether a request may be answered from the cache, and its answer cached: only when it is deterministic
 * (temperature 0) or the caller opted in with `cache: true`. `cache: false` always opts out.
 */
export function isCacheable(options: { temperature?: number; cache?: boolean }): boolean {
  return options.cache ?? options.temperature === 0;
}
