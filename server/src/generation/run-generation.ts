import { setTimeout as sleep } from 'node:timers/promises';
import type {
  EndData,
  FinishReason,
  StreamEvent,
  ToolCallData,
  UsageData,
} from '../../../protocol/events.ts';
import { AppError, toAppError } from '../app-error.ts';
import type { FinishAnswerInput, MessageRepository } from '../db/repository.ts';
import type { ModelEvent, ModelRequest } from '../providers/provider.ts';
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
  /** The model's answer to `request`, already under way since `askedAt` (a `performance.now()`). */
  events: AsyncIterable<ModelEvent>;
  request: ModelRequest;
  askedAt: number;
  controller: AbortController;
  appender: EventAppender;
  messages: MessageRepository;
  batch: { maxChars: number; windowMs: number };
  pingIntervalMs: number;
  /** The answer is a replay from the response cache: saved as such. */
  cached: boolean;
  /** Keep the text as it streamed (`pieces`), for the response cache. */
  keepPieces: boolean;
  /**
   * Runs once the answer is saved and before `end` is appended, so whatever it records (the response cache)
   * is in place for any request made after a client has seen `end`.
   */
  onSaved(outcome: GenerationOutcome, saved: FinishAnswerInput): Promise<void>;
  /** Called with every ping; false means the lease was lost to a takeover, and this run must stop. */
  renewLease(): Promise<boolean>;
  /** How long the final save is retried while the database is unreachable. */
  saveRetryForMs: number;
  countTokens(text: string): number;
  now(): Date;
  onError(error: AppError): void;
}

export interface GenerationOutcome extends EndData {
  text: string;
  /** The text as the model streamed it, when `keepPieces` asked for it. */
  pieces: string[];
  toolCalls: ToolCallData[];
  usage: UsageData;
  /** Milliseconds from the run's start to its first text, and from the first text to the last. */
  firstTextAfterMs: number | undefined;
  textDurationMs: number;
  error: AppError | undefined;
}

const interruptedError = () => new AppError('GENERATION_INTERRUPTED');

/**
 * Drives one model turn into the stream log and saves the result with a single write. It runs detached from
 * any HTTP request: subscribers come and go; only the signal stops it.
 */
export async function runGeneration(input: RunGenerationInput): Promise<GenerationOutcome> {
  const { appender, controller } = input;
  const signal = controller.signal;
  const toolCalls: ToolCallData[] = [];
  let text = '';
  const pieces: string[] = [];
  let usage: UsageData | undefined;
  let finishReason: FinishReason = 'stop';
  let status: EndData['status'] = 'complete';
  let error: AppError | undefined;
  let leaseLost = false;
  const startedAt = input.askedAt;
  let firstTextAt: number | undefined;
  let lastTextAt = startedAt;

  const append = (event: StreamEvent) => void appender.append(event).catch(() => undefined);
  const batcher = createTextBatcher({
    ...input.batch,
    send: (batch) => append({ type: 'text', data: { text: batch } }),
  });
  const pings = setInterval(() => {
    append({ type: 'ping', data: {} });
    void input.renewLease().then(
      (held) => {
        if (!held) {
          leaseLost = true;
          controller.abort(new GenerationStop('interrupted'));
        }
      },
      (cause: unknown) => input.onError(toAppError(cause)),
    );
  }, input.pingIntervalMs);

  try {
    for await (const event of input.events) {
      if (event.type === 'text') {
        lastTextAt = performance.now();
        firstTextAt ??= lastTextAt;
        text += event.text;
        if (input.keepPieces) {
          pieces.push(event.text);
        }
        batcher.push(event.text);
      } else if (event.type === 'tool_call') {
        batcher.flush();
        const call = { id: event.id, name: event.name, arguments: event.arguments };
        toolCalls.push(call);
        append({ type: 'tool_call', data: call });
      } else if (event.type === 'usage') {
        usage = { inputTokens: event.inputTokens, outputTokens: event.outputTokens };
      } else {
        finishReason = event.reason;
      }
    }
  } catch (cause) {
    const stop = signal.aborted && signal.reason instanceof GenerationStop ? signal.reason : undefined;
    if (stop) {
      status = stop.status;
      finishReason = stop.status === 'cancelled' ? 'cancelled' : 'error';
      error = stop.status === 'interrupted' ? interruptedError() : undefined;
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
  const outcome: GenerationOutcome = {
    status,
    finishReason,
    text,
    pieces,
    toolCalls,
    usage,
    error,
    firstTextAfterMs: firstTextAt === undefined ? undefined : firstTextAt - startedAt,
    textDurationMs: firstTextAt === undefined ? 0 : lastTextAt - firstTextAt,
  };
  if (leaseLost) {
    // Another instance took this answer over and has already saved and ended it.
    return outcome;
  }
  // Whatever reached the log must be there before the save, so the saved text and the log agree.
  await appender.settled();
  const answer: FinishAnswerInput = {
    id: input.streamId,
    content: text,
    status,
    finishReason,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    errorCode: error?.code ?? null,
    errorMessage: error?.message ?? null,
    cached: input.cached,
    now: input.now(),
  };
  const saved = await saveAnswer(input, answer);
  if (saved === 'taken_over') {
    return outcome;
  }
  if (saved === 'saved') {
    await input.onSaved(outcome, answer);
  }
  append({ type: 'usage', data: usage });
  if (status === 'cancelled') {
    append({ type: 'cancel', data: {} });
  }
  const reported = saved === 'failed' ? new AppError('SERVICE_UNAVAILABLE') : error;
  if (reported) {
    append({ type: 'error', data: { code: reported.code, message: reported.message } });
  }
  // The answer is saved before `end` is appended, so a client that sees `end` and reloads finds it saved.
  await appender.append({ type: 'end', data: { status, finishReason } });
  return outcome;
}

/**
 * One write, retried while the database is unreachable. `taken_over` means the row was no longer streaming:
 * another instance decided this answer's fate first. A save that keeps failing is reported, not thrown:
 * subscribers must still get `end`, and the reaper settles the row once the database is back.
 */
async function saveAnswer(
  input: RunGenerationInput,
  answer: FinishAnswerInput,
): Promise<'saved' | 'taken_over' | 'failed'> {
  const deadline = Date.now() + input.saveRetryForMs;
  let delay = 100;
  for (;;) {
    try {
      return (await input.messages.finishAnswer(answer)) ? 'saved' : 'taken_over';
    } catch (cause) {
      const appError = toAppError(cause);
      if (appError.code !== 'SERVICE_UNAVAILABLE' || Date.now() + delay > deadline) {
        input.onError(appError);
        return 'failed';
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 2000);
    }
  }
}

function countRequestTokens(request: ModelRequest, countTokens: (text: string) => number): number {
  let total = request.system ? countTokens(request.system) : 0;
  for (const turn of request.messages) {
    total += countTokens(turn.content);
  }
  return total;
}
