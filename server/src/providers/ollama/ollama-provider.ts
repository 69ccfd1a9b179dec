// Parsing: an upstream call (node:http, see upstream-http.ts) plus `readNdjson` (Node's readline and JSON.parse;
// see read-ndjson.ts for why not the official `ollama` package). Closing the request is what makes Ollama stop
// generating, so cancel aborts it.
import type { FinishReason } from '../../../../protocol/events.ts';
import { AppError } from '../../app-error.ts';
import type { ModelEvent, ModelRequest, Provider } from '../provider.ts';
import { type ProviderTimeouts, readHttpError, streamUpstreamCall } from '../provider-errors.ts';
import { countTokens } from '../tokenizer.ts';
import type { UpstreamResponse } from '../upstream-http.ts';
import { readNdjson } from './read-ndjson.ts';

export interface OllamaOptions {
  /** A base URL such as `http://127.0.0.1:11434` (see normalizeOllamaHost). */
  host: string;
  timeouts?: ProviderTimeouts;
}

/** A provider for Ollama's native `/api/chat`, streaming NDJSON. */
export function createOllamaProvider(options: OllamaOptions): Provider {
  const url = `${options.host}/api/chat`;
  const { timeouts } = options;

  return {
    stream(request, signal) {
      return streamUpstreamCall({ provider: 'ollama', signal, timeouts }, async function* (call) {
        const response = await call.post(url, {}, toRequestBody(request));
        if (!response.ok) {
          throw await readOllamaHttpError(response);
        }
        let text = '';
        let toolCalls = 0;
        let last: OllamaChatChunk | undefined;
        for await (const line of readNdjson({ provider: 'ollama', call, response })) {
          const chunk = line as OllamaChatChunk;
          if (chunk.error !== undefined) {
            throw ollamaError(chunk.error);
          }
          // Thinking models stream `thinking` before any content: output all the same.
          if (chunk.message?.content || chunk.message?.thinking || chunk.message?.tool_calls?.length) {
            call.started();
          }
          if (chunk.message?.content) {
            text += chunk.message.content;
            yield { type: 'text', text: chunk.message.content };
          }
          // Ollama sends each tool call whole, with its arguments as an object rather than a JSON string.
          for (const tool of chunk.message?.tool_calls ?? []) {
            const args = JSON.stringify(tool.function.arguments ?? {});
            text += args;
            yield {
              type: 'tool_call',
              id: tool.id ?? `call_${toolCalls}`,
              name: tool.function.name,
              arguments: args,
            };
            toolCalls++;
          }
          if (chunk.done) {
            last = chunk;
            break;
          }
        }
        if (!last) {
          throw new AppError('PROVIDER_DISCONNECTED', {
            cause: new Error('ollama stream ended without done:true'),
          });
        }
        yield mapUsage(last, request, text);
        yield { type: 'finish', reason: mapDoneReason(last.done_reason, toolCalls > 0) };
      });
    },
  };
}

interface OllamaChatChunk {
  message?: {
    content?: string;
    thinking?: string;
    tool_calls?: { id?: string; function: { name: string; arguments?: unknown } }[];
  };
  done?: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
  error?: string;
}

function toRequestBody(request: ModelRequest) {
  const system = request.system ? [{ role: 'system', content: request.system }] : [];
  return {
    model: request.model,
    messages: [...system, ...request.messages.map(({ role, content }) => ({ role, content }))],
    stream: true,
    options: {
      temperature: request.temperature,
      top_p: request.topP,
      top_k: request.topK,
      num_predict: request.maxTokens,
      stop: request.stop,
      seed: request.seed,
    },
  };
}

/** A failed Ollama answer (`{"error": "..."}` with a status) as a coded error. */
export function readOllamaHttpError(response: UpstreamResponse): Promise<AppError> {
  return readHttpError({ provider: 'ollama', response, isContextOverflow: isContextOverflowBody });
}

function isContextOverflowBody(body: unknown): boolean {
  const message = (body as { error?: unknown } | undefined)?.error;
  return typeof message === 'string' && isContextOverflow(message);
}

function ollamaError(message: string): AppError {
  const cause = new Error(`ollama stream error: ${message}`);
  return new AppError(isContextOverflow(message) ? 'CONTEXT_TOO_LONG' : 'PROVIDER_UNAVAILABLE', { cause });
}

// "the input length exceeds the context length", from the runner when truncation is off or impossible.
function isContextOverflow(message: string): boolean {
  return /context (length|window|size)/i.test(message) && /exceed/i.test(message);
}

// Ollama leaves prompt_eval_count out when the whole prompt came from its cache; we count those tokens ourselves.
function mapUsage(last: OllamaChatChunk, request: ModelRequest, output: string): ModelEvent {
  const prompt = [request.system ?? '', ...request.messages.map((turn) => turn.content)].join('\n');
  return {
    type: 'usage',
    inputTokens: last.prompt_eval_count ?? countTokens(prompt),
    outputTokens: last.eval_count ?? countTokens(output),
  };
}

// Ollama says `stop` after tool calls too; `load` and `unload` answer an empty prompt.
function mapDoneReason(reason: string | undefined, sawToolCalls: boolean): FinishReason {
  if (reason === 'length') {
    return 'length';
  }
  return sawToolCalls ? 'tool_calls' : 'stop';
}
