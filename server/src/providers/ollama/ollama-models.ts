import { AppError } from '../../app-error.ts';
import { createUpstreamCall, defaultProviderTimeouts, streamUpstreamCall } from '../provider-errors.ts';
import { type OllamaOptions, readOllamaHttpError } from './ollama-provider.ts';
import { readNdjson } from './read-ndjson.ts';

/** A model installed in Ollama, from `/api/tags`. */
export interface OllamaModel {
  /** With its tag: `llama3.2:latest`. */
  name: string;
  sizeBytes: number;
  /** As Ollama reports it: `3.2B`. */
  parameterSize: string | undefined;
  quantization: string | undefined;
}

/** One line of `/api/pull` progress, fit for a progress bar. */
export interface PullProgress {
  status: string;
  digest?: string;
  total?: number;
  completed?: number;
}

// Between progress lines Ollama may verify a multi-gigabyte blob, printing nothing for minutes.
const pullIdleMs = 5 * 60_000;

/** The models installed in Ollama. */
export async function listOllamaModels(options: OllamaOptions, signal?: AbortSignal): Promise<OllamaModel[]> {
  const call = createUpstreamCall({
    provider: 'ollama',
    signal: signal ?? new AbortController().signal,
    timeouts: options.timeouts,
  });
  try {
    const response = await call.get(`${options.host}/api/tags`);
    if (!response.ok) {
      throw await readOllamaHttpError(response);
    }
    const body = (await response.json().catch((cause: unknown) => {
      throw new AppError('PROVIDER_BAD_RESPONSE', { cause });
    })) as { models?: OllamaTag[] };
    return (body.models ?? []).map((tag) => ({
      name: tag.name,
      sizeBytes: tag.size ?? 0,
      parameterSize: tag.details?.parameter_size || undefined,
      quantization: tag.details?.quantization_level || undefined,
    }));
  } catch (error) {
    throw call.failure(error);
  } finally {
    call.close();
  }
}

/**
 * Downloads a model into Ollama, yielding its progress and ending after `success`. A failed pull throws a coded
 * AppError; aborting `signal` closes the request (Ollama resumes a later pull where this one stopped).
 */
export function pullOllamaModel(
  options: OllamaOptions,
  model: string,
  signal: AbortSignal,
): AsyncIterable<PullProgress> {
  const { connectMs } = options.timeouts ?? defaultProviderTimeouts;
  const timeouts = { connectMs, firstTokenMs: pullIdleMs, idleMs: pullIdleMs };
  return streamUpstreamCall({ provider: 'ollama', signal, timeouts }, async function* (call) {
    const response = await call.post(`${options.host}/api/pull`, {}, { model, stream: true });
    if (!response.ok) {
      throw await readOllamaHttpError(response);
    }
    call.started();
    for await (const line of readNdjson({ provider: 'ollama', call, response })) {
      const progress = line as PullProgress & { error?: string };
      if (progress.error !== undefined) {
        throw pullError(progress.error);
      }
      yield mapProgress(progress);
      if (progress.status === 'success') {
        return;
      }
    }
    throw new AppError('PROVIDER_DISCONNECTED', { cause: new Error('ollama pull ended without success') });
  });
}

interface OllamaTag {
  name: string;
  size?: number;
  details?: { parameter_size?: string; quantization_level?: string };
}

function mapProgress(line: PullProgress): PullProgress {
  const progress: PullProgress = { status: line.status };
  if (line.digest !== undefined) {
    progress.digest = line.digest;
  }
  if (line.total !== undefined) {
    progress.total = line.total;
  }
  if (line.completed !== undefined) {
    progress.completed = line.completed;
  }
  return progress;
}

// "pull model manifest: file does not exist" is how the registry says there is no such model or tag.
function pullError(message: string): AppError {
  const cause = new Error(`ollama pull error: ${message}`);
  return new AppError(
    /file does not exist|not found/i.test(message) ? 'MODEL_NOT_FOUND' : 'PROVIDER_UNAVAILABLE',
    {
      cause,
    },
  );
}
