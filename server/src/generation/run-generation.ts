import type { EndData, FinishReason, ToolCallData, UsageData } from '../../../protocol/events.ts';
import { type AppError, toAppError } from '../app-error.ts';
import type { FinishAnswerInput, MessageRepository } from '../db/repository.ts';
import type { ModelRequest, Provider } from '../providers/provider.ts';
import type { EventAppender } from './event-appender.ts';
import { createTextBatcher } from './text-batcher.ts';

/** Why a generation was stopped from outside: the reason its AbortController carries. */
export class GenerationStop extends Error {
  readonly status: 'cancelled' | 'interrupted';
  constructor(status: 'cancelled' | 'interrupted') {
    super(`generation ${status}`);
    this.status = status;
  }
}

export interface RunGenerationInput {
  streamId: string;
  provider: Provider;
  request: ModelRequest;
  signal: AbortSignal;
  appender: EventAppender;
  messages: MessageRepository;
  batch: { maxChars: number; windowMs: number };
  pingIntervalMs: number;
  countTokens(text: string): number;
  now(): Date;
  onError(error: AppError): void;
}

export interface GenerationOutcome extends EndData {
  text: string;
  usage: UsageData;
  error: AppError | undefined;
}

/**
 * Drives one model turn into the stream log and saves the result with a single write. It runs detached from
 * any HTTP request: subscribers come and go; only the signal stops it.
 */
export async function runGeneration(input: RunGenerationInput): Promise<GenerationOutcome> {
  const { appender, signal } = input;
  const toolCalls: ToolCallData[] = [];
  let text = '';
  let usage: UsageData | undefined;
  let finishReason: FinishReason = 'stop';
  let status: EndData['status'] = 'complete';
  let error: AppError | undefined;

  const batcher = createTextBatcher({
    ...input.batch,
    send: (batch) => void appender.append({ type: 'text', data: { text: batch } }).catch(() => undefined),
  });
  const pings = setInterval(() => {
    void appender.append({ type: 'ping', data: {} }).catch(() => undefined);
  }, input.pingIntervalMs);

  try {
    for await (const event of input.provider.stream(input.request, signal)) {
      if (event.type === 'text') {
        text += event.text;
        batcher.push(event.text);
      } else if (event.type === 'tool_call') {
        batcher.flush();
        const call = { id: event.id, name: event.name, arguments: event.arguments };
        toolCalls.push(call);
        void appender.append({ type: 'tool_call', data: call }).catch(() => undefined);
      } else if (event.type === 'usage') {
        usage = { inputTokens: event.inputTokens, outputTokens: event.outputTokens };
      } else {
        finishReason = event.reason;
      }
    }
  } catch (cause) {
    const stop = signal.reason instanceof GenerationStop ? signal.reason : undefined;
    if (stop && signal.aborted) {
      status = stop.status;
      finishReason = 'cancelled';
    } else {
      status = 'error';
      finishReason = 'error';
      error = toAppError(cause);
      input.onError(error);
    }
  } finally {
    clearInterval(pings);
    batcher.flush();
  }

  usage ??= {
    inputTokens: countRequestTokens(input.request, input.countTokens),
    outputTokens: input.countTokens(text),
  };
  void appender.append({ type: 'usage', data: usage }).catch(() => undefined);
  if (status === 'cancelled') {
    void appender.append({ type: 'cancel', data: {} }).catch(() => undefined);
  }
  if (error) {
    void appender
      .append({ type: 'error', data: { code: error.code, message: error.message } })
      .catch(() => undefined);
  }
  // The answer is saved before `end` is appended, so a client that sees `end` and reloads finds it saved.
  await appender.settled();
  await saveAnswer(input, {
    id: input.streamId,
    content: text,
    status,
    finishReason,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    errorCode: error?.code ?? null,
    errorMessage: error?.message ?? null,
    now: input.now(),
  });
  await appender.append({ type: 'end', data: { status, finishReason } });
  return { status, finishReason, text, usage, error };
}

/** A failed save is reported, not thrown: subscribers must still get `end` rather than wait forever. */
async function saveAnswer(input: RunGenerationInput, answer: FinishAnswerInput): Promise<void> {
  try {
    await input.messages.finishAnswer(answer);
  } catch (cause) {
    input.onError(toAppError(cause));
  }
}

function countRequestTokens(request: ModelRequest, countTokens: (text: string) => number): number {
  let total = request.system ? countTokens(request.system) : 0;
  for (const turn of request.messages) {
    total += countTokens(turn.content);
  }
  return total;
}
