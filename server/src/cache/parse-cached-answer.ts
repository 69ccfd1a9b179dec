import type { FinishReason } from '../../../protocol/events.ts';
import type { CachedAnswer } from './response-cache.ts';

// A Record, so adding a finish reason to the protocol fails the typecheck until it is listed here.
const finishReasons: Record<FinishReason, true> = {
  stop: true,
  length: true,
  tool_calls: true,
  content_filter: true,
  cancelled: true,
  error: true,
};

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/**
 * Reads an answer stored as JSON, throwing when it is not one. A cache shared by several instances may hold
 * what another version wrote; replaying that as an answer would be worse than a miss.
 */
export function parseCachedAnswer(json: string): CachedAnswer {
  const value: unknown = JSON.parse(json);
  if (typeof value !== 'object' || value === null) {
    throw new Error('The cached answer is not an object.');
  }
  const { text, pieces, finishReason, inputTokens, outputTokens, model, createdAt } = value as Record<
    string,
    unknown
  >;
  if (
    typeof text !== 'string' ||
    !Array.isArray(pieces) ||
    !pieces.every((piece) => typeof piece === 'string') ||
    typeof finishReason !== 'string' ||
    !Object.hasOwn(finishReasons, finishReason) ||
    !isCount(inputTokens) ||
    !isCount(outputTokens) ||
    typeof model !== 'string' ||
    typeof createdAt !== 'string'
  ) {
    throw new Error('The cached answer does not have the fields of a CachedAnswer.');
  }
  return {
    text,
    pieces,
    finishReason: finishReason as FinishReason,
    inputTokens,
    outputTokens,
    model,
    createdAt,
  };
}
