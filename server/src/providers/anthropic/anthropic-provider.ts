// Parsing: an upstream call (node:http, see upstream-http.ts) plus `readSse` (eventsource-parser), as in the
// OpenAI adapter. The official `@anthropic-ai/sdk` would retry on its own and hide the raw status, headers and
// events our error codes come from; the Messages stream is small enough to map directly.
import type { ErrorCode } from '../../../../protocol/errors.ts';
import type { FinishReason } from '../../../../protocol/events.ts';
import { AppError } from '../../app-error.ts';
import type { ModelRequest, Provider } from '../provider.ts';
import { type ProviderTimeouts, parseChunk, readHttpError, streamUpstreamCall } from '../provider-errors.ts';
import { readSse } from '../read-sse.ts';

export interface AnthropicProviderOptions {
  /** Names the provider in logs and error causes. */
  name?: string;
  /** Without the version path, as the official SDK takes it: `https://api.anthropic.com`. */
  baseUrl: string;
  apiKey: string;
  /** Anthropic requires `max_tokens`; this is sent when the request sets none. */
  defaultMaxTokens?: number;
  timeouts?: ProviderTimeouts;
}

/** A provider for the Anthropic Messages API, streaming. */
export function createAnthropicProvider(options: AnthropicProviderOptions): Provider {
  const name = options.name ?? 'anthropic';
  const url = `${options.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '')}/v1/messages`;
  const headers = { 'x-api-key': options.apiKey, 'anthropic-version': '2023-06-01' };
  const defaultMaxTokens = options.defaultMaxTokens ?? 4096;
  const { timeouts } = options;

  return {
    stream(request, signal) {
      return streamUpstreamCall({ provider: name, signal, timeouts }, async function* (call) {
        const response = await call.post(url, headers, toRequestBody(request, defaultMaxTokens));
        if (!response.ok) {
          throw await readHttpError({ provider: name, response, isContextOverflow: isContextOverflowBody });
        }
        const tools = new Map<number, { id: string; name: string; json: string }>();
        let inputTokens = 0;
        let outputTokens = 0;
        let finishReason: FinishReason = 'stop';
        let stopped = false;
        for await (const event of readSse({ provider: name, call, response })) {
          const data = parseChunk(name, event.data) as AnthropicEvent;
          if (data.type === 'message_start') {
            inputTokens = countInput(data.message.usage);
            outputTokens = data.message.usage.output_tokens ?? 0;
          } else if (data.type === 'content_block_start' && data.content_block.type === 'tool_use') {
            call.started();
            tools.set(data.index, { id: data.content_block.id, name: data.content_block.name, json: '' });
          } else if (data.type === 'content_block_delta') {
            // Every delta is output, extended thinking included: the first-token clock stops.
            call.started();
            if (data.delta.type === 'text_delta') {
              yield { type: 'text', text: data.delta.text };
            } else if (data.delta.type === 'input_json_delta') {
              const tool = tools.get(data.index);
              if (tool) {
                tool.json += data.delta.partial_json;
              }
            }
          } else if (data.type === 'content_block_stop' && tools.has(data.index)) {
            const tool = tools.get(data.index) as { id: string; name: string; json: string };
            tools.delete(data.index);
            // A tool without parameters streams no input fragments at all.
            yield { type: 'tool_call', id: tool.id, name: tool.name, arguments: tool.json || '{}' };
          } else if (data.type === 'message_delta') {
            finishReason = data.delta.stop_reason ? mapFinishReason(data.delta.stop_reason) : finishReason;
            outputTokens = data.usage?.output_tokens ?? outputTokens;
            inputTokens = data.usage?.input_tokens == null ? inputTokens : countInput(data.usage);
          } else if (data.type === 'error') {
            throw new AppError(codeForErrorType(data.error), {
              cause: new Error(`${name} stream error: ${JSON.stringify(data.error)}`),
            });
          } else if (data.type === 'message_stop') {
            stopped = true;
            break;
          }
          // `ping`, thinking blocks and event types added later are ignored, as Anthropic's versioning asks.
        }
        if (!stopped) {
          throw new AppError('PROVIDER_DISCONNECTED', {
            cause: new Error(`${name} stream ended without message_stop`),
          });
        }
        yield { type: 'usage', inputTokens, outputTokens };
        yield { type: 'finish', reason: finishReason };
      });
    },
  };
}

interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

interface AnthropicError {
  type: string;
  message?: string;
}

type AnthropicEvent =
  | { type: 'message_start'; message: { usage: AnthropicUsage } }
  | {
      type: 'content_block_start';
      index: number;
      content_block: { type: 'tool_use'; id: string; name: string } | { type: 'text' | 'thinking' };
    }
  | {
      type: 'content_block_delta';
      index: number;
      delta:
        | { type: 'text_delta'; text: string }
        | { type: 'input_json_delta'; partial_json: string }
        | { type: 'thinking_delta' | 'signature_delta' };
    }
  | { type: 'content_block_stop'; index: number }
  | { type: 'message_delta'; delta: { stop_reason?: string | null }; usage?: AnthropicUsage }
  | { type: 'message_stop' | 'ping' }
  | { type: 'error'; error: AnthropicError };

function toRequestBody(request: ModelRequest, defaultMaxTokens: number) {
  return {
    model: request.model,
    max_tokens: request.maxTokens ?? defaultMaxTokens,
    system: request.system,
    messages: request.messages.map(({ role, content }) => ({ role, content })),
    // Our scale is OpenAI's 0..2; Anthropic accepts 0..1 and refuses more.
    temperature: request.temperature === undefined ? undefined : Math.min(request.temperature, 1),
    top_p: request.topP,
    top_k: request.topK,
    stop_sequences: request.stop,
    stream: true,
  };
}

function isContextOverflowBody(body: unknown): boolean {
  const error = (body as { error?: AnthropicError } | undefined)?.error;
  return error !== undefined && isContextOverflow(error);
}

// "prompt is too long: 215764 tokens > 200000 maximum", or, counting max_tokens in, "... exceed context limit".
function isContextOverflow(error: AnthropicError): boolean {
  return (
    error.type === 'request_too_large' ||
    (error.type === 'invalid_request_error' &&
      /prompt is too long|context (limit|window)/i.test(error.message ?? ''))
  );
}

// https://docs.anthropic.com/en/api/errors
function codeForErrorType(error: AnthropicError): ErrorCode {
  if (isContextOverflow(error)) {
    return 'CONTEXT_TOO_LONG';
  }
  switch (error.type) {
    case 'authentication_error':
    case 'permission_error':
      return 'PROVIDER_AUTH';
    case 'rate_limit_error':
      return 'PROVIDER_RATE_LIMITED';
    case 'timeout_error':
      return 'PROVIDER_TIMEOUT';
    case 'invalid_request_error':
      return 'PROVIDER_REJECTED';
    default:
      return 'PROVIDER_UNAVAILABLE';
  }
}

function countInput(usage: AnthropicUsage): number {
  return (
    (usage.input_tokens ?? 0) +
    (usage.cache_creation_input_tokens ?? 0) +
    (usage.cache_read_input_tokens ?? 0)
  );
}

function mapFinishReason(reason: string): FinishReason {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}
