import type { WsServerFrame } from '../../../protocol/control.ts';
import { errorCatalogue } from '../../../protocol/errors.ts';
import type { ErrorData } from '../../../protocol/events.ts';
import type { GenerationHandle } from '../generation/generation-service.ts';
import type { GenerationReader } from '../generation/open-generation-stream.ts';

/**
 * Renders one generation in seed 002's frames: a `delta` per text batch, then `ai` with the whole answer
 * (complete or cancelled), or `error` when it failed. Resolves when the answer ends or `signal` aborts.
 */
export async function streamWsAnswer(params: {
  read: GenerationReader;
  handle: GenerationHandle;
  signal: AbortSignal;
  send(frame: WsServerFrame): void;
}): Promise<void> {
  const { handle, send } = params;
  let text = '';
  let failure: ErrorData | undefined;
  for await (const { event } of params.read(params.signal)) {
    switch (event.type) {
      case 'text':
        text += event.data.text;
        send({ type: 'delta', message: event.data.text });
        break;
      case 'error':
        failure = event.data;
        break;
      case 'end': {
        const { status } = event.data;
        if (status === 'complete' || status === 'cancelled') {
          send({ type: 'ai', message: text, chatId: handle.chatId, messageId: handle.streamId, status });
        } else {
          const code = failure?.code ?? 'GENERATION_INTERRUPTED';
          send({ type: 'error', message: failure?.message ?? errorCatalogue[code].message, code });
        }
        return;
      }
    }
  }
}
