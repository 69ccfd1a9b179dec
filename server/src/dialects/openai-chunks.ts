import type { FinishReason, StreamEvent, ToolCallData, UsageData } from '../../../protocol/events.ts';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionUsage,
  OpenAIFinishReason,
} from '../../../protocol/openai.ts';
import { AppError } from '../app-error.ts';
import { toOpenAIError } from './openai-errors.ts';

export interface OpenAIStreamContext {
  id: string;
  /** Unix seconds. */
  created: number;
  model: string;
  /** `stream_options.include_usage`: every chunk carries `usage: null`, and a last chunk the usage. */
  includeUsage: boolean;
}

/**
 * Renders native events as OpenAI `chat.completion.chunk` SSE lines. Stateful per stream: tool calls are
 * numbered and the usage is held until the end, where OpenAI sends it.
 */
export function createOpenAIChunkRenderer(context: OpenAIStreamContext): (event: StreamEvent) => string {
  let toolIndex = 0;
  let usage: UsageData | undefined;
  let failed = false;

  // Every chunk of a stream is the same object around its delta, so the JSON around it is made once: a token
  // costs the JSON of its delta alone. The bytes are those of JSON.stringify of the whole ChatCompletionChunk.
  const head =
    `data: {"id":${JSON.stringify(context.id)},"object":"chat.completion.chunk",` +
    `"created":${JSON.stringify(context.created)},"model":${JSON.stringify(context.model)},` +
    `"system_fingerprint":null,"choices":[{"index":0,"delta":`;
  const tail = context.includeUsage ? '}],"usage":null}\n\n' : '}]}\n\n';
  const chunk = (
    delta: ChatCompletionChunk['choices'][0]['delta'],
    finish: OpenAIFinishReason | null = null,
  ) => `${head}${JSON.stringify(delta)},"logprobs":null,"finish_reason":${JSON.stringify(finish)}${tail}`;

  return (event) => {
    switch (event.type) {
      case 'start':
        return chunk({ role: 'assistant', content: '' });
      case 'text':
        return chunk({ content: event.data.text });
      case 'tool_call':
        return chunk({ tool_calls: [toToolCallDelta(event.data, toolIndex++)] });
      case 'usage':
        usage = event.data;
        return '';
      case 'ping':
        // An SSE comment: keeps proxies from timing out, and every OpenAI client skips it.
        return ': ping\n\n';
      case 'error':
        failed = true;
        return line(toOpenAIError(new AppError(event.data.code, { message: event.data.message })).body);
      case 'cancel':
        return '';
      case 'end': {
        let out = failed ? '' : chunk({}, toOpenAIFinishReason(event.data.finishReason));
        if (context.includeUsage && usage && !failed) {
          out += line({
            id: context.id,
            object: 'chat.completion.chunk',
            created: context.created,
            model: context.model,
            system_fingerprint: null,
            choices: [],
            usage: toOpenAIUsage(usage),
          } satisfies ChatCompletionChunk);
        }
        return `${out}data: [DONE]\n\n`;
      }
    }
  };
}

/** Folds a whole generation into one non-streaming `chat.completion`, or the error it ended with. */
export function collectOpenAICompletion(
  context: Omit<OpenAIStreamContext, 'includeUsage'>,
  events: StreamEvent[],
): ChatCompletion | AppError {
  let content = '';
  const toolCalls: ToolCallData[] = [];
  let usage: UsageData = { inputTokens: 0, outputTokens: 0 };
  let finishReason: FinishReason = 'stop';
  for (const event of events) {
    if (event.type === 'text') {
      content += event.data.text;
    } else if (event.type === 'tool_call') {
      toolCalls.push(event.data);
    } else if (event.type === 'usage') {
      usage = event.data;
    } else if (event.type === 'error') {
      return new AppError(event.data.code, { message: event.data.message });
    } else if (event.type === 'end') {
      finishReason = event.data.finishReason;
    }
  }
  return {
    id: context.id,
    object: 'chat.completion',
    created: context.created,
    model: context.model,
    system_fingerprint: null,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: toolCalls.length > 0 && content === '' ? null : content,
          refusal: null,
          ...(toolCalls.length > 0 && {
            tool_calls: toolCalls.map((call) => ({
              id: call.id,
              type: 'function' as const,
              function: { name: call.name, arguments: call.arguments },
            })),
          }),
        },
        logprobs: null,
        finish_reason: toOpenAIFinishReason(finishReason),
      },
    ],
    usage: toOpenAIUsage(usage),
  };
}

function line(body: unknown): string {
  return `data: ${JSON.stringify(body)}\n\n`;
}

function toToolCallDelta(call: ToolCallData, index: number) {
  return {
    index,
    id: call.id,
    type: 'function' as const,
    function: { name: call.name, arguments: call.arguments },
  };
}

function toOpenAIUsage(usage: UsageData): ChatCompletionUsage {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

function toOpenAIFinishReason(reason: FinishReason): OpenAIFinishReason {
  switch (reason) {
    case 'length':
    case 'tool_calls':
    case 'content_filter':
      return reason;
    default:
      return 'stop';
  }
}
