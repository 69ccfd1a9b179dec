import type { ModelPullProgress } from '../../../protocol/api.ts';
import type { ErrorData } from '../../../protocol/events.ts';
import { isAbort, toApiError } from '../api/api-error.ts';
import { readServerSentEvents } from '../api/event-stream.ts';
import { parleyApi } from '../api/parley-api.ts';
import { loadModels } from './chat-loading.ts';
import { errorText } from './error-text.ts';
import { getState, setState } from './store.ts';

let controller: AbortController | undefined;

/** Finds the id a pulled model got: Ollama lists `llama3.2` as `llama3.2:latest`. */
function pulledId(name: string): string | undefined {
  const bare = name.replace(/^ollama\//, '');
  const wanted = [`ollama/${bare}`, `ollama/${bare}:latest`];
  return getState().models.find((model) => wanted.includes(model.id))?.id;
}

/**
 * Pulls a model into Ollama, reporting progress in the store; resolves with the new model's id. The answer
 * streams `progress` events, then `done` or `error`.
 */
export async function pullModel(model: string): Promise<string | undefined> {
  controller?.abort();
  controller = new AbortController();
  setState({ pull: { phase: 'pulling', model, status: 'starting' } });
  try {
    const response = await parleyApi.loadModel(model, controller.signal);
    for await (const sse of readServerSentEvents(response)) {
      if (sse.event === 'error') {
        const error = sse.data as ErrorData;
        setState({ pull: { phase: 'failed', message: errorText(error.code, error.message) } });
        return undefined;
      }
      if (sse.event === 'progress') {
        const { status, completed, total } = sse.data as ModelPullProgress;
        setState({ pull: { phase: 'pulling', model, status, completed, total } });
      } else if (sse.event === 'done') {
        await loadModels();
        setState({ pull: { phase: 'idle' } });
        return pulledId(model);
      }
    }
    setState({ pull: { phase: 'failed', message: 'The pull ended before it finished. Try again.' } });
  } catch (error) {
    if (isAbort(error)) {
      setState({ pull: { phase: 'idle' } });
    } else {
      const apiError = toApiError(error);
      setState({ pull: { phase: 'failed', message: errorText(apiError.code, apiError.message) } });
    }
  }
  return undefined;
}

export function cancelPull(): void {
  controller?.abort();
}
