import type { RegenerateBody, SendMessageBody } from '../../../protocol/api.ts';
import type { MessageStatus, StartData } from '../../../protocol/events.ts';
import { AppError } from '../app-error.ts';
import type { GenerationConfig } from '../config.ts';
import type { ChatRecord, MessageRecord, Repositories } from '../db/repository.ts';
import { UNTITLED_CHAT_TITLE } from '../db/schema.ts';
import type { NotificationHub } from '../notifications/notification-hub.ts';
import type { ChatTurn, ModelRequest } from '../providers/provider.ts';
import type { StreamLog } from '../streams/stream-log.ts';
import { createEventAppender } from './event-appender.ts';
import type { ModelCatalog, ResolvedModel } from './model-catalog.ts';
import { type GenerationOutcome, GenerationStop, runGeneration } from './run-generation.ts';

type Options = RegenerateBody;
export type SendInput = SendMessageBody;

export interface CompleteInput extends Options {
  messages: ChatTurn[];
  chatId?: string;
}

/** The generation a request started or attached to; `streamId` is what subscribers read. */
export interface GenerationHandle {
  streamId: string;
  chatId: string;
  /** True when an idempotent retry found the generation a previous request started. */
  attached: boolean;
}

export interface GenerationServiceDeps {
  repositories: Repositories;
  streamLog: StreamLog;
  models: ModelCatalog;
  notifications: NotificationHub;
  config: GenerationConfig;
  countTokens(text: string): number;
  now(): Date;
  newId(): string;
  logError(error: unknown, message: string): void;
}

export interface GenerationService {
  send(ownerId: string, chatId: string, input: SendInput): Promise<GenerationHandle>;
  /**
   * Answers a conversation the caller supplies whole (the OpenAI-compatible surface). Without `chatId` it runs
   * in a hidden chat of its own, so usage is kept but the caller's chat list is not touched.
   */
  complete(ownerId: string, input: CompleteInput): Promise<GenerationHandle>;
  /** Streams a new answer to the prompt of `messageId` (an answer, or the user message itself). */
  regenerate(ownerId: string, chatId: string, messageId: string, options: Options): Promise<GenerationHandle>;
  /** Stops a running answer and saves what it had; answering a finished one with its final status. */
  cancel(ownerId: string, streamId: string): Promise<{ streamId: string; status: MessageStatus }>;
  /** Generations running in this process. */
  runningCount(): number;
  isDraining(): boolean;
  /** Refuses new generations, waits up to `graceMs` for running ones, then stops the rest as `interrupted`. */
  drain(graceMs: number): Promise<void>;
}

const TITLE_LENGTH = 60;

export function createGenerationService(deps: GenerationServiceDeps): GenerationService {
  const { repositories, config } = deps;
  const running = new Map<string, { controller: AbortController; done: Promise<GenerationOutcome> }>();
  let draining = false;

  async function resolveModel(modelId: string): Promise<ResolvedModel> {
    const model = await deps.models.resolve(modelId);
    if (!model) {
      throw new AppError('MODEL_NOT_FOUND', { message: `No model "${modelId}".`, field: 'model' });
    }
    return model;
  }

  async function requireChat(ownerId: string, chatId: string): Promise<ChatRecord> {
    const chat = await repositories.chats.getChat(ownerId, chatId);
    if (!chat) {
      throw new AppError('NOT_FOUND', { message: 'No such chat.' });
    }
    return chat;
  }

  async function start(params: {
    ownerId: string;
    chat: ChatRecord;
    model: ResolvedModel;
    options: Options;
    history: ChatTurn[];
    parentId: string;
    userMessage?: { id: string; content: string; clientMessageId: string | null };
  }): Promise<GenerationHandle | 'duplicate_client_message'> {
    const { ownerId, chat, model, options } = params;
    const chatId = chat.id;
    if (draining) {
      throw new AppError('SHUTTING_DOWN');
    }
    const streamId = deps.newId();
    const createdAt = deps.now();
    const begun = await repositories.messages.beginAnswer({
      ownerId,
      chatId,
      ...(params.userMessage && { userMessage: params.userMessage }),
      answer: { id: streamId, model: model.id, parentId: params.parentId, cached: false },
      ...(params.userMessage && { titleIfUntitled: titleFrom(params.userMessage.content) }),
      now: createdAt,
    });
    if (begun === 'chat_not_found') {
      throw new AppError('NOT_FOUND', { message: 'No such chat.' });
    }
    if (begun === 'in_progress') {
      throw new AppError('GENERATION_IN_PROGRESS');
    }
    if (begun === 'duplicate_client_message') {
      return begun;
    }

    const appender = createEventAppender(deps.streamLog, streamId);
    const startData: StartData = {
      streamId,
      chatId,
      messageId: streamId,
      userMessageId: params.parentId,
      model: model.id,
      cached: false,
      createdAt: createdAt.toISOString(),
    };
    const controller = new AbortController();
    const request: ModelRequest = {
      model: model.upstreamModel,
      messages: params.history,
      ...modelOptions(options),
    };
    // `start` is in the log before the handle is returned, so every subscriber's replay begins with it.
    await appender.append({ type: 'start', data: startData });
    const done = runGeneration({
      streamId,
      provider: model.provider,
      request,
      signal: controller.signal,
      appender,
      messages: repositories.messages,
      batch: { maxChars: config.batchMaxChars, windowMs: config.batchWindowMs },
      pingIntervalMs: config.pingIntervalMs,
      countTokens: deps.countTokens,
      now: deps.now,
      onError: (error) => {
        if (error.code === 'INTERNAL') {
          deps.logError(error, 'generation failed');
        }
      },
    });
    running.set(streamId, { controller, done });
    done
      .then((outcome) =>
        deps.notifications.notify({
          type: 'stream_ended',
          ownerId,
          chatId,
          streamId,
          status: outcome.status,
          errorCode: outcome.error?.code ?? null,
        }),
      )
      .catch((error: unknown) => deps.logError(error, 'generation could not be finished'))
      .finally(() => running.delete(streamId));
    const title =
      chat.title === UNTITLED_CHAT_TITLE && params.userMessage
        ? titleFrom(params.userMessage.content)
        : chat.title;
    deps.notifications.notify({ type: 'stream_started', ownerId, chatId, streamId, model: model.id });
    if (!chat.hidden) {
      deps.notifications.notify({
        type: 'chat_updated',
        ownerId,
        chat: { ...chat, title, model: model.id, updatedAt: createdAt },
      });
    }
    return { streamId, chatId, attached: false };
  }

  async function attachByClientMessageId(
    ownerId: string,
    chatId: string,
    clientMessageId: string,
  ): Promise<GenerationHandle | undefined> {
    const found = await repositories.messages.findByClientMessageId(ownerId, chatId, clientMessageId);
    return found?.answer && { streamId: found.answer.id, chatId, attached: true };
  }

  return {
    async send(ownerId, chatId, input) {
      const chat = await requireChat(ownerId, chatId);
      const clientMessageId = input.clientMessageId ?? null;
      if (clientMessageId) {
        const attached = await attachByClientMessageId(ownerId, chatId, clientMessageId);
        if (attached) {
          return attached;
        }
      }
      const model = await resolveModel(input.model ?? chat.model);
      const thread = await repositories.messages.listThread(ownerId, chatId);
      const userMessageId = deps.newId();
      const started = await start({
        ownerId,
        chat,
        model,
        options: input,
        history: [...toTurns(thread), { role: 'user', content: input.content }],
        parentId: userMessageId,
        userMessage: { id: userMessageId, content: input.content, clientMessageId },
      });
      if (started !== 'duplicate_client_message') {
        return started;
      }
      // Two retries raced and the other one won: attach to its generation.
      const attached = clientMessageId && (await attachByClientMessageId(ownerId, chatId, clientMessageId));
      if (!attached) {
        throw new AppError('GENERATION_IN_PROGRESS');
      }
      return attached;
    },

    async complete(ownerId, input) {
      const { messages, chatId, ...options } = input;
      const prompt = messages.findLast((turn) => turn.role === 'user');
      if (!prompt) {
        throw new AppError('VALIDATION_FAILED', {
          message: 'messages needs a user message.',
          field: 'messages',
        });
      }
      const model = await resolveModel(options.model ?? config.defaultModel);
      const chat = chatId
        ? await requireChat(ownerId, chatId)
        : await repositories.chats.createChat({
            id: deps.newId(),
            ownerId,
            title: titleFrom(prompt.content),
            model: model.id,
            hidden: true,
            now: deps.now(),
          });
      const userMessageId = deps.newId();
      const started = await start({
        ownerId,
        chat,
        model,
        options,
        history: messages,
        parentId: userMessageId,
        userMessage: { id: userMessageId, content: prompt.content, clientMessageId: null },
      });
      if (started === 'duplicate_client_message') {
        throw new AppError('INTERNAL', { message: 'A request without a client message id collided on one.' });
      }
      return started;
    },

    async regenerate(ownerId, chatId, messageId, options) {
      const chat = await requireChat(ownerId, chatId);
      const target = await repositories.messages.getMessage(ownerId, messageId);
      if (!target || target.chatId !== chatId) {
        throw new AppError('NOT_FOUND', { message: 'No such message in this chat.' });
      }
      const promptId = target.role === 'user' ? target.id : target.parentId;
      if (!promptId) {
        throw new AppError('NOTHING_TO_REGENERATE');
      }
      const thread = await repositories.messages.listThread(ownerId, chatId);
      const promptIndex = thread.findIndex((message) => message.id === promptId);
      if (promptIndex === -1) {
        throw new AppError('NOTHING_TO_REGENERATE');
      }
      const defaultModel = target.role === 'assistant' ? target.model : chat.model;
      const model = await resolveModel(options.model ?? defaultModel);
      const started = await start({
        ownerId,
        chat,
        model,
        options,
        history: toTurns(thread.slice(0, promptIndex + 1)),
        parentId: promptId,
      });
      if (started === 'duplicate_client_message') {
        throw new AppError('INTERNAL', {
          message: 'A regeneration inserted no user message yet collided on one.',
        });
      }
      return started;
    },

    async cancel(ownerId, streamId) {
      const message = await repositories.messages.getMessage(ownerId, streamId);
      if (message?.role !== 'assistant') {
        throw new AppError('NOT_FOUND', { message: 'No such stream.' });
      }
      const generation = running.get(streamId);
      if (!generation) {
        return { streamId, status: message.status };
      }
      generation.controller.abort(new GenerationStop('cancelled'));
      const outcome = await generation.done;
      return { streamId, status: outcome.status };
    },

    runningCount: () => running.size,

    isDraining: () => draining,

    async drain(graceMs) {
      draining = true;
      const all = () => Promise.allSettled([...running.values()].map((generation) => generation.done));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs);
      });
      const result = await Promise.race([all(), timedOut]);
      clearTimeout(timer);
      if (result === 'timeout') {
        for (const generation of running.values()) {
          generation.controller.abort(new GenerationStop('interrupted'));
        }
        await all();
      }
    },
  };
}

/** What the model sees of the conversation: answers that produced text, and every user message. */
function toTurns(thread: MessageRecord[]): ChatTurn[] {
  return thread
    .filter((message) => message.role === 'user' || message.content !== '')
    .map((message) => ({ role: message.role, content: message.content }));
}

function modelOptions(options: Options): Omit<ModelRequest, 'model' | 'messages'> {
  const { system, temperature, topP, topK, maxTokens, stop, seed } = options;
  return Object.fromEntries(
    Object.entries({ system, temperature, topP, topK, maxTokens, stop, seed }).filter(
      ([, value]) => value !== undefined,
    ),
  );
}

function titleFrom(content: string): string {
  const line = content.trim().split('\n')[0]?.trim() ?? '';
  return line.length > TITLE_LENGTH ? `${line.slice(0, TITLE_LENGTH - 1)}…` : line || 'New chat';
}
