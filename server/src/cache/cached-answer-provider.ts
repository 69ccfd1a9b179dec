import { setImmediate } from 'node:timers/promises';
import type { ModelEvent, ModelRequest, Provider } from '../providers/provider.ts';
import type { CachedAnswer } from './response-cache.ts';

// Pieces go out back to back, the first at once; other requests still get the event loop this often.
const yieldEvery = 64;

/**
 * A provider that streams one cached answer, whatever it is asked: its pieces as `text` events with no delay,
 * then `usage` with the cached counts and `finish` with the cached reason. Aborting `signal` throws its reason.
 */
export function createCachedAnswerProvider(answer: CachedAnswer): Provider {
  return {
    async *stream(_request: ModelRequest, signal: AbortSignal): AsyncGenerator<ModelEvent> {
      for (const [index, text] of answer.pieces.entries()) {
        if (index > 0 && index % yieldEvery === 0) {
          await setImmediate();
        }
        signal.throwIfAborted();
        yield { type: 'text', text };
      }
      signal.throwIfAborted();
      yield { type: 'usage', inputTokens: answer.inputTokens, outputTokens: answer.outputTokens };
      yield { type: 'finish', reason: answer.finishReason };
    },
  };
}
