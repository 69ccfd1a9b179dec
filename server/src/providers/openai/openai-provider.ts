// Parsing: an upstream call (node:http, see upstream-http.ts) plus `readSse` (eventsource-parser). We do not use
// the official `openai` SDK: it retries on its own, hides the raw status, headers and chunks our error codes come
// from, and would be a second HTTP stack beside the one the other adapters share.
import type { FinishReason } from '../../../../protocol/events.ts';
import { AppError } from '../../app-error.ts';
import type { ModelEvent, ModelRequest, Provider } from '../provider.ts';
import { type ProviderTimeouts, parseChunk, readHttpError, streamUpstreamCall } from '../provider-errors.ts';
import { readSse } from '../read-sse.ts';
import { countTokens } from '../tokenizer.ts';

export interface OpenAIProviderOptions {
  /** Names the provider in logs and error causes: `openai`, `xai`, `vllm`... */
  name: string;
  /** Up to and including the version: `https://api.openai.com/v1`, `https://api.x.ai/v1`. */
  baseUrl: string;
  /** Sent as a Bearer token; local OpenAI-compatible servers often need none. */
  apiKey: string | undefined;
  /** OpenAI's own API wants `max_completion_tokens` (reasoning models refuse `max_tokens`); most others know only `max_tokens`. */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  timeouts?: ProviderTimeouts;
}

/** A provider for OpenAI's Chat Completions streaming API and every server that speaks it (xAI, vLLM, ...). */
export function createOpenAIProvider(options: OpenAIProviderOptions): Provider {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const headers: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  const maxTokensField = options.maxTokensField ?? 'max_tokens';
  const { timeouts } = options;

  return {
    stream(request, signal) {
      return streamUpstreamCall({ provider: options.name, signal, timeouts }, async function* (call) {
        const response = await call.post(url, headers, toRequestBody(request, maxTokensField));
        if (!response.ok) {
          throw await readHttpError({
            provider: options.name,
            response,
            isContextOverflow: isContextOverflowBody,
          });
        }
        const toolCalls = new Map<number, { id: string; name: string; arguments: string }>();
        let text = '';
        let usage: ModelEvent | undefined;
        let finishReason: FinishReason = 'stop';
        let done = false;
        for await (const event of readSse({ provider: options.name, call, response })) {
          if (event.data === '[DONE]') {
            done = true;
            break;
          }
          const chunk = parseChunk(options.name, event.data) as OpenAIChunk;
          if (chunk.error) {
            throw streamError(options.name, chunk.error);
          }
          if (chunk.usage) {
            usage = mapUsage(chunk.usage);
          }
          const choice = chunk.choices?.[0];
          const delta = choice?.delta;
          // Reasoning models (DeepSeek, OpenRouter, vLLM) stream their thinking first: output all the same.
          if (delta?.content || delta?.reasoning_content || delta?.reasoning || delta?.tool_calls) {
            call.started();
          }
          if (delta?.content) {
            text += delta.content;
            yield { type: 'text', text: delta.content };
          }
          for (const fragment of delta?.tool_calls ?? []) {
            const draft = toolCalls.get(fragment.index) ?? { id: '', name: '', arguments: '' };
            draft.id ||= fragment.id ?? '';
            draft.name += fragment.function?.name ?? '';
            draft.arguments += fragment.function?.arguments ?? '';
            toolCalls.set(fragment.index, draft);
          }
          if (choice?.finish_reason) {
            finishReason = mapFinishReason(choice.finish_reason);
          }
        }
        if (!done) {
          throw new AppError('PROVIDER_DISCONNECTED', {
            cause: new Error(`${options.name} stream ended without [DONE]`),
          });
        }
        // Tool calls stream as fragments keyed by index; each is complete only once the choice has finished.
        for (const [index, draft] of [...toolCalls].sort(([a], [b]) => a - b)) {
          yield {
            type: 'tool_call',
            id: draft.id || `call_${index}`,
            name: draft.name,
            arguments: draft.arguments,
          };
        }
        yield usage ??
          estimateUsage(request, text + [...toolCalls.values()].map((draft) => draft.arguments).join(''));
        yield { type: 'finish', reason: finishReason };
      });
    },
  };
}

interface OpenAIErrorObject {
  message?: string;
  type?: string;
  code?: string | null;
}

interface OpenAIChunk {
  choices?: {
    delta?: {
      content?: string | null;
      reasoning_content?: string | null;
      reasoning?: string | null;
      tool_calls?: { index: number; id?: string; function?: { name?: string; arguments?: string } }[];
    };
    finish_reason?: string | null;
  }[];
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  error?: OpenAIErrorObject;
}

function toRequestBody(request: ModelRequest, maxTokensField: string) {
  const system = request.system ? [{ role: 'system', content: request.system }] : [];
  return {
    model: request.model,
    messages: [...system, ...request.messages.map(({ role, content }) => ({ role, content }))],
    stream: true,
    stream_options: { include_usage: true },
    temperature: request.temperature,
    top_p: request.topP,
    [maxTokensField]: request.maxTokens,
    stop: request.stop,
    seed: request.seed,
  };
}

function streamError(provider: string, error: OpenAIErrorObject): AppError {
  const cause = new Error(`${provider} stream error: ${JSON.stringify(error)}`);
  if (isContextOverflow(error)) {
    return new AppError('CONTEXT_TOO_LONG', { cause });
  }
  if (error.code === 'rate_limit_exceeded' || error.type === 'rate_limit_error') {
    return new AppError('PROVIDER_RATE_LIMITED', { cause });
  }
  return new AppError('PROVIDER_UNAVAILABLE', { cause });
}

// OpenAI sets the code; vLLM, llama.cpp and others only say it in the message.
function isContextOverflow(error: OpenAIErrorObject | undefined): boolean {
  return error?.code === 'context_length_exceeded' || /context (length|window)/i.test(error?.message ?? '');
}

function isContextOverflowBody(body: unknown): boolean {
  return isContextOverflow((body as { error?: OpenAIErrorObject } | undefined)?.error);
}

function mapUsage(usage: { prompt_tokens: number; completion_tokens: number }): ModelEvent {
  return { type: 'usage', inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens };
}

// Servers that ignore `stream_options.include_usage` report nothing; we count with our tokenizer instead.
function estimateUsage(request: ModelRequest, output: string): ModelEvent {
  const prompt = [request.system ?? '', ...request.messages.map((turn) => turn.content)].join('\n');
  return { type: 'usage', inputTokens: countTokens(prompt), outputTokens: countTokens(output) };
}

function mapFinishReason(reason: string): FinishReason {
  switch (reason) {
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
    default:
      return 'stop';
  }
}
