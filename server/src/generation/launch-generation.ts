import type { RegenerateBody } from '../../../protocol/api.ts';
import type { StartData } from '../../../protocol/events.ts';
import { AppError, toAppError } from '../app-error.ts';
import { cacheKeyOf, isCacheable } from '../cache/cache-key.ts';
import { createCachedAnswerProvider } from '../cache/cached-answer-provider.ts';
import type { ResponseCache } from '../cache/response-cache.ts';
import type { GenerationConfig } from '../config.ts';
import { answerRecords } from '../db/answer-records.ts';
import type { BeginAnswerInput, ChatRecord, MessageRecord, MessageRepository } from '../db/repository.ts';
import type { LeaseStore } from '../leases/lease-store.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { NotificationHub } from '../notifications/notification-hub.ts';
import type { ChatTurn, ModelRequest, Provider } from '../providers/provider.ts';
import type { StreamLog } from '../streams/stream-log.ts';
import { afterThisTick } from './after-this-tick.ts';
import { createEventAppender } from './event-appender.ts';
import type { ResolvedModel } from './model-catalog.ts';
import type { GenerationReader } from './open-generation-stream.ts';
import { type GenerationOutcome, runGeneration } from './run-generation.ts';
import type { RunningGenerations } from './running-generations.ts';
import { startNow } from './start-now.ts';
import { streamKeyOf } from './stream-key.ts';

export type GenerationOptions = RegenerateBody;

export interface LaunchDeps {
  messages: MessageRepository;
  metrics: Metrics;
  cache: ResponseCache;
  streamLog: StreamLog;
  leases: LeaseStore;
  notifications: NotificationHub;
  running: RunningGenerations;
  config: GenerationConfig;
  countTokens(text: string): number;
  now(): Date;
  newId(): string;
  logError(error: unknown, message: string): void;
}

export interface LaunchInput {
  ownerId: string;
  chat: ChatRecord;
  model: ResolvedModel;
  options: GenerationOptions;
  /** The conversation the model sees, ending with the prompt. */
  history: ChatTurn[];
  /** The user message answered: `userMessage.id` for a new one, an existing id when regenerating. */
  parentId: string;
  userMessage?: BeginAnswerInput['userMessage'];
  /** See `WhileSaving`. */
  whileSaving?(streamId: string): void;
  /** How many messages the chat held as the caller read it; see `BeginAnswerInput.messageCount`. */
  messageCount?: number;
  /**
   * Told, once the answer is saved and before `end` is appended, the messages it added as a read of the chat
   * would now return them, and the chat's title.
   */
  onSaved?(added: MessageRecord[], chatTitle: string): void;
}

/**
 * Starts one answer. The model is asked at once (after the response cache, for a request it could answer),
 * while the prompt and a streaming answer are saved in one statement and the lease is taken: the save costs a
 * commit, and the model's first token takes longer than that, so the time to first token is the model's own.
 * If the answer cannot start (the chat is busy, gone, or not as the caller read it), the model's request is
 * aborted before anything of it was used. Then `start` is appended and the model runs detached. Resolves with the stream id and a reader of
 * the answer as it is appended, for the requester in this process, which reads `start` and what follows
 * without waiting for the log.
 */
export async function launchGeneration(
  deps: LaunchDeps,
  input: LaunchInput,
): Promise<{ streamId: string; read: GenerationReader } | 'duplicate_client_message' | 'stale_chat'> {
  const { ownerId, chat, model } = input;
  const chatId = chat.id;
  const request: ModelRequest = {
    model: model.upstreamModel,
    messages: input.history,
    ...modelOptions(input.options),
  };
  const cacheable = isCacheable(input.options);
  const streamId = deps.newId();
  const createdAt = deps.now();
  const controller = new AbortController();
  let askedAt = 0;
  const ask = (provider: Provider) => {
    askedAt = performance.now();
    return startNow(provider.stream(request, controller.signal));
  };

  // A request no cache could answer goes to the model before the database and Redis are asked anything, so
  // its bytes are on their way first. Otherwise the rows are written and the lease taken first, and the cache is
  // asked while they are: the commit is the longest wait before a cached answer's first byte, so everything
  // else before that byte (the requester's token, the key's hash, the lookup, the appender) is done inside it.
  // The model is asked as soon as the cache has missed.
  let events = cacheable ? undefined : ask(model.provider);
  if (events) {
    // The model's request leaves on the next tick; the statements below would otherwise be built before it.
    await afterThisTick();
  }
  const begin: BeginAnswerInput = {
    ownerId,
    chatId,
    ...(input.userMessage && { userMessage: input.userMessage }),
    answer: { id: streamId, model: model.id, parentId: input.parentId },
    ...(input.messageCount !== undefined && { messageCount: input.messageCount }),
    now: createdAt,
  };
  const beginning = Promise.allSettled([deps.messages.beginAnswer(begin), deps.leases.acquire(streamId)]);
  input.whileSaving?.(streamId);
  const cacheKey = cacheable
    ? cacheKeyOf({ ...request, model: model.id, upstreamModel: model.upstreamModel })
    : undefined;
  const cached = cacheKey === undefined ? undefined : await deps.cache.get(cacheKey);
  // A hit replays through the same log as a live answer, so it is resumable like one, and no provider is called.
  events ??= ask(cached ? createCachedAnswerProvider(cached) : model.provider);
  const appender = createEventAppender({
    log: deps.streamLog,
    key: streamKeyOf({ ownerId, chatId, streamId }),
    retryForMs: deps.config.appendRetryMs,
    now: () => deps.now().getTime(),
  });
  const [begun, leased] = await beginning;
  if (begun.status === 'rejected' || typeof begun.value !== 'object') {
    controller.abort();
    if (leased.status === 'fulfilled') {
      await deps.leases.release(streamId).catch(() => undefined);
    }
    if (begun.status === 'rejected') {
      throw begun.reason;
    }
    if (begun.value === 'chat_not_found') {
      throw new AppError('NOT_FOUND', { message: 'No such chat.' });
    }
    if (begun.value === 'stale_chat' || begun.value === 'duplicate_client_message') {
      return begun.value;
    }
    throw new AppError('GENERATION_IN_PROGRESS');
  }
  const { chatTitle } = begun.value;

  if (leased.status === 'rejected') {
    // Nothing was streamed: the answer fails now instead of waiting for the reaper.
    controller.abort();
    const error = toAppError(leased.reason);
    await deps.messages.finishAnswer({
      id: streamId,
      content: '',
      status: 'error',
      finishReason: 'error',
      inputTokens: null,
      outputTokens: null,
      errorCode: error.code,
      errorMessage: error.message,
      cached: false,
      now: deps.now(),
    });
    throw error;
  }

  const start: StartData = {
    streamId,
    chatId,
    messageId: streamId,
    userMessageId: input.parentId,
    model: model.id,
    cached: cached !== undefined,
    createdAt: createdAt.toISOString(),
  };
  const startStored = appender.append({ type: 'start', data: start });

  const done = runGeneration({
    streamId,
    events,
    request,
    askedAt,
    cached: cached !== undefined,
    keepPieces: cacheKey !== undefined && !cached,
    onSaved: async (outcome, saved) => {
      input.onSaved?.(answerRecords({ ...begin, concurrent: chat.hidden }, saved), chatTitle);
      if (
        cacheKey !== undefined &&
        !cached &&
        outcome.status === 'complete' &&
        outcome.toolCalls.length === 0
      ) {
        await deps.cache.set(cacheKey, {
          text: outcome.text,
          pieces: outcome.pieces,
          finishReason: outcome.finishReason,
          inputTokens: outcome.usage.inputTokens,
          outputTokens: outcome.usage.outputTokens,
          model: model.id,
          createdAt: createdAt.toISOString(),
        });
      }
    },
    controller,
    appender,
    messages: deps.messages,
    batch: { maxChars: deps.config.batchMaxChars, windowMs: deps.config.batchWindowMs },
    pingIntervalMs: deps.config.pingIntervalMs,
    renewLease: () => deps.leases.renew(streamId),
    saveRetryForMs: deps.config.saveRetryMs,
    countTokens: deps.countTokens,
    now: deps.now,
    onError: (error) => {
      if (error.code === 'INTERNAL' || error.code === 'SERVICE_UNAVAILABLE') {
        deps.logError(error, 'generation failed');
      }
    },
  });
  deps.running.add(streamId, { controller, done });
  deps.metrics.generationStarted(model.id, cached !== undefined);
  done
    .then((outcome) => {
      reportOutcome(deps.metrics, model.id, outcome);
      if (chat.hidden) {
        return;
      }
      deps.notifications.notify({
        type: 'stream_ended',
        ownerId,
        chatId,
        streamId,
        status: outcome.status,
        errorCode: outcome.error?.code ?? null,
      });
    })
    .catch((error: unknown) => deps.logError(error, 'generation could not be finished'))
    .finally(() => {
      appender.close();
      return deps.leases.release(streamId).catch(() => undefined);
    });

  // The requester reads `start` at once, other tabs once the log has it, so their read of the log finds the
  // stream. A log that cannot take it stops the answer with that error, which the requester reads last.
  startStored.then(
    () => {
      // A hidden chat (one OpenAI-compatible request) has no place in the UI, so its tabs hear nothing of it.
      if (!chat.hidden) {
        notifyStarted(deps.notifications, {
          ownerId,
          chat: { ...chat, title: chatTitle, model: model.id, updatedAt: createdAt },
          streamId,
        });
      }
    },
    (cause: unknown) => controller.abort(toAppError(cause)),
  );
  return { streamId, read: appender.read };
}

function reportOutcome(metrics: Metrics, model: string, outcome: GenerationOutcome): void {
  metrics.generationEnded(model, outcome.status);
  if (outcome.firstTextAfterMs !== undefined) {
    metrics.firstToken(model, outcome.firstTextAfterMs / 1000);
  }
  metrics.outputTokens(model, outcome.usage.outputTokens, outcome.textDurationMs / 1000);
  if (outcome.error) {
    metrics.providerError(model, outcome.error.code);
  }
}

function modelOptions(options: GenerationOptions): Omit<ModelRequest, 'model' | 'messages'> {
  const { system, temperature, topP, topK, maxTokens, stop, seed } = options;
  return Object.fromEntries(
    Object.entries({ system, temperature, topP, topK, maxTokens, stop, seed }).filter(
      ([, value]) => value !== undefined,
    ),
  );
}

function notifyStarted(
  notifications: NotificationHub,
  started: { ownerId: string; chat: ChatRecord; streamId: string },
): void {
  const { ownerId, chat, streamId } = started;
  notifications.notify({ type: 'stream_started', ownerId, chatId: chat.id, streamId, model: chat.model });
  notifications.notify({ type: 'chat_updated', ownerId, chat });
}
