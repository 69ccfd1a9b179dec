import type { FinishReason } from '../../../../protocol/events.ts';

export interface LimitedAnswer {
  pieces: string[];
  reason: FinishReason;
}

/**
 * Applies a request's `stop` sequences and `maxTokens` to an answer already cut into token pieces. The answer
 * ends just before the earliest stop sequence, even one that spans pieces (the piece it starts in is cut short),
 * with reason `stop`; past `maxTokens` pieces it ends with reason `length`.
 */
export function limitAnswer(
  pieces: readonly string[],
  limits: { stop?: readonly string[]; maxTokens?: number },
): LimitedAnswer {
  const text = pieces.join('');
  const stopAt = Math.min(
    text.length,
    ...(limits.stop ?? [])
      .filter((stop) => stop !== '')
      .map((stop) => text.indexOf(stop))
      .filter((index) => index >= 0),
  );
  const kept: string[] = [];
  let offset = 0;
  for (const piece of pieces) {
    if (offset + piece.length > stopAt) {
      if (offset < stopAt) {
        kept.push(piece.slice(0, stopAt - offset));
      }
      break;
    }
    kept.push(piece);
    offset += piece.length;
  }
  if (limits.maxTokens !== undefined && kept.length > limits.maxTokens) {
    return { pieces: kept.slice(0, limits.maxTokens), reason: 'length' };
  }
  return { pieces: kept, reason: 'stop' };
}
