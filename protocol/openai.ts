import { type Static, Type } from 'typebox';

/**
 * The OpenAI Chat Completions wire format that Parley serves at /v1, so any OpenAI SDK can use it.
 * Fields Parley does not act on (logit_bias, user, ...) are accepted and ignored, as other compatible servers do.
 */

const TextPart = Type.Object({ type: Type.Literal('text'), text: Type.String() });

export const ChatCompletionMessage = Type.Object({
  role: Type.Union([
    Type.Literal('system'),
    Type.Literal('developer'),
    Type.Literal('user'),
    Type.Literal('assistant'),
    Type.Literal('tool'),
  ]),
  content: Type.Union([Type.String(), Type.Array(TextPart), Type.Null()]),
  name: Type.Optional(Type.String()),
});
export type ChatCompletionMessage = Static<typeof ChatCompletionMessage>;

export const ChatCompletionRequest = Type.Object({
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  messages: Type.Optional(Type.Array(ChatCompletionMessage, { minItems: 1, maxItems: 1000 })),
  /** Seed 000's simpler body: one prompt, no history. */
  prompt: Type.Optional(Type.String({ minLength: 1, maxLength: 200_000 })),
  stream: Type.Optional(Type.Boolean()),
  stream_options: Type.Optional(
    Type.Union([Type.Object({ include_usage: Type.Optional(Type.Boolean()) }), Type.Null()]),
  ),
  temperature: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 2 }), Type.Null()])),
  top_p: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()])),
  max_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  max_completion_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  stop: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 4 }), Type.Null()])),
  seed: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  n: Type.Optional(Type.Union([Type.Literal(1), Type.Null()])),
  /** Parley's extension: run in this chat of the caller's, so the exchange shows in their history. */
  chat_id: Type.Optional(Type.String({ format: 'uuid' })),
});
export type ChatCompletionRequest = Static<typeof ChatCompletionRequest>;

export interface ChatCompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ToolCallDelta {
  index: number;
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  system_fingerprint: null;
  choices: {
    index: 0;
    delta: { role?: 'assistant'; content?: string; tool_calls?: ToolCallDelta[] };
    logprobs: null;
    finish_reason: OpenAIFinishReason | null;
  }[];
  usage?: ChatCompletionUsage | null;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  system_fingerprint: null;
  choices: {
    index: 0;
    message: {
      role: 'assistant';
      content: string | null;
      refusal: null;
      tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
    };
    logprobs: null;
    finish_reason: OpenAIFinishReason;
  }[];
  usage: ChatCompletionUsage;
}

export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/** OpenAI's error object, before the stream as the body and mid-stream as a `data:` line. */
export interface OpenAIError {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface OpenAIModelList {
  object: 'list';
  data: { id: string; object: 'model'; created: number; owned_by: string }[];
}
