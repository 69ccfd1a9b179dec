import type { EditMessageBody, SendMessageBody } from '../../../protocol/api.ts';
import type { MessageStatus } from '../../../protocol/events.ts';
import { AppError } from '../app-error.ts';
import type { Bus } from '../bus/bus.ts';
import type { ResponseCache } from '../cache/response-cache.ts';
import type { GenerationConfig } from '../config.ts';
import type { ChatRecord, MessageRecord, Repositories } from '../db/repository.ts';
import type { LeaseStore } from '../leases/lease-store.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { NotificationHub } from '../notifications/notification-hub.ts';
import type { ChatTurn } from '../providers/provider.ts';
import type { StreamLog } from '../streams/stream-log.ts';
import { type ChatSnapshot, createChatSnapshots } from './chat-snapshots.ts';
import { createHiddenChatCache } from './hidden-chat-cache.ts';
import { type GenerationOptions, type LaunchInput, launchGeneration } from './launch-generation.ts';
import type { ModelCatalog, ResolvedModel } from './model-catalog.ts';
import type { GenerationReader } from './open-generation-stream.ts';
import { startReaper } from './reaper.ts';
import { RunningGenerations } from './running-generations.ts';
import { streamKeyOf } from './stream-key.ts';
import { takeOverAnswer } from './take-over.ts';

type Options = GenerationOptions;
export type SendInput = SendMessageBody;
export type EditInput = EditMessageBody;

export interface CompleteInput extends Options {
  messages: ChatTurn[];
  chatId?: string;
}

/** The generation a request started or attached to; `streamId` is what subscribers read. */
export interface GenerationHandle {
  streamId: string;
  chatId: string;
  /**
   * The answer as this process appends it, when this request started it; absent when an idempotent retry found
   * the generation a previous request started, which is read from the log.
   */
  read?: GenerationReader;
}

export interface GenerationServiceDeps {
  repositories: Repositories;
  streamLog: StreamLog;
  models: ModelCatalog;
  notifications: NotificationHub;
  /** Carries cancels to the instance that runs the answer. */
  bus: Bus;
  cache: ResponseCache;
  metrics: Metrics;
  leases: LeaseStore;
  config: GenerationConfig;
  countTokens(text: string): number;
  now(): Date;
  newId(): string;
  logError(error: unknown, message: string): void;
}

/**
 * Told the id of the answer a request starts as soon as it is chosen, while the answer's rows are on their way
 * to the database: what the requester needs before its first byte (a signed stream token) is made inside that
 * wait instead of after it. A chat that changed since it was read is read again and the answer started again,
 * under a new id, which is told too.
 */
export type WhileSaving = (streamId: string) => void;

export interface GenerationService {
  send(
    ownerId: string,
    chatId: string,
    input: SendInput,
    whileSaving?: WhileSaving,
  ): Promise<GenerationHandle>;
  /**
   * Answers a conversation the caller supplies whole (the OpenAI-compatible surface). Without `chatId` it runs
   * in a hidden chat of its own, so usage is kept but the caller's chat list is not touched.
   */
  complete(ownerId: string, input: CompleteInput): Promise<GenerationHandle>;
  /**
   * Saves `input.content` as a new version of the user message `messageId` (same parent, so the thread now
   * follows it) and streams its answer; the model sees the conversation up to that parent, then the new text.
   */
  edit(
    ownerId: string,
    chatId: string,
    messageId: string,
    input: EditInput,
    whileSaving?: WhileSaving,
  ): Promise<GenerationHandle>;
  /** Streams a new answer to the prompt of `messageId` (an answer, or the user message itself). */
  regenerate(
    ownerId: string,
    chatId: string,
    messageId: string,
    options: Options,
    whileSaving?: WhileSaving,
  ): Promise<GenerationHandle>;
  /** Stops a running answer and saves what it had; answering a finished one with its final status. */
  cancel(ownerId: string, streamId: string): Promise<{ streamId: string; status: MessageStatus }>;
  /** Told of a chat just made, so that its first message needs no read of it. */
  chatCreated(chat: ChatRecord): void;
  /** Generations running in this process. */
  runningCount(): number;
  isDraining(): boolean;
  /** Refuses new generations, waits up to `graceMs` for running ones, then stops the rest as `interrupted`. */
  drain(graceMs: number): Promise<void>;
}

const CANCEL_CHANNEL = 'cancel';
// What a stale snapshot of a chat can make an answer refuse before it writes anything: a message it lacks, a
// thread it reads differently, or a chat deleted since.
const SNAPSHOT_REFUSALS = new Set(['NOT_FOUND', 'NOTHING_TO_REGENERATE']);
// How long a cancel sent to another instance waits for that instance to end the answer.
const REMOTE_CANCEL_WAIT_MS = 5000;

export async function createGenerationService(deps: GenerationServiceDeps): Promise<GenerationService> {
  const { repositories, config } = deps;
  const running = new RunningGenerations();
  let draining = false;
  const unsubscribe = await deps.bus.subscribe(CANCEL_CHANNEL, (streamId) => {
    running.stop(streamId, 'cancelled');
  });
  const reaper = startReaper({
    messages: repositories.messages,
    streamLog: deps.streamLog,
    leases: deps.leases,
    running,
    notifications: deps.notifications,
    leaseTtlMs: config.leaseTtlMs,
    intervalMs: config.reapIntervalMs,
    now: deps.now,
    logError: deps.logError,
  });

  const hiddenChats = createHiddenChatCache({
    ensure: (ownerId, model) => repositories.chats.ensureHiddenChat(ownerId, model, deps.now()),
  });

  async function resolveModel(modelId: string): Promise<ResolvedModel> {
    const model = await deps.models.resolve(modelId);
    if (!model) {
      throw new AppError('MODEL_NOT_FOUND', { message: `No model "${modelId}".`, field: 'model' });
    }
    return model;
  }

  const snapshots = createChatSnapshots({ maxChars: config.chatCacheMaxChars });

  /** The chat, its messages and the thread they make, in one read; scoped by owner, like every read. */
  async function readChat(ownerId: string, chatId: string): Promise<ChatSnapshot> {
    const found = await repositories.chats.getChatWithMessages(ownerId, chatId);
    if (!found) {
      snapshots.forget(chatId);
      throw new AppError('NOT_FOUND', { message: 'No such chat.' });
    }
    snapshots.keep(found);
    return found;
  }

  /**
   * Runs `attempt` on the chat as this instance last saw it, with no read, else as read now. A snapshot that
   * cannot answer (the begin statement found the chat changed, or it lacks the message asked about: both
   * refusals come before anything is written) is dropped and the chat read again. A chat that changes between
   * a read and the begin right after it is having another answer made in it.
   */
  async function onChat<T>(
    ownerId: string,
    chatId: string,
    attempt: (snapshot: ChatSnapshot) => Promise<T | 'stale_chat'>,
  ): Promise<T> {
    const held = snapshots.get(ownerId, chatId);
    if (held) {
      try {
        const result = await attempt(held);
        if (result !== 'stale_chat') {
          return result;
        }
      } catch (error) {
        if (!(error instanceof AppError && SNAPSHOT_REFUSALS.has(error.code))) {
          throw error;
        }
      }
      snapshots.forget(chatId);
    }
    const result = await attempt(await readChat(ownerId, chatId));
    if (result === 'stale_chat') {
      throw new AppError('GENERATION_IN_PROGRESS');
    }
    return result;
  }

  function findInChat(chatMessages: MessageRecord[], messageId: string): MessageRecord {
    const target = chatMessages.find((message) => message.id === messageId);
    if (!target) {
      throw new AppError('NOT_FOUND', { message: 'No such message in this chat.' });
    }
    return target;
  }

  /** Starts an answer in the chat as `snapshot` has it, which is extended by what the answer adds. */
  async function start(
    input: LaunchInput,
    snapshot?: ChatSnapshot,
  ): Promise<GenerationHandle | 'duplicate_client_message' | 'stale_chat'> {
    if (draining) {
      throw new AppError('SHUTTING_DOWN');
    }
    const started = await launchGeneration(
      {
        messages: repositories.messages,
        cache: deps.cache,
        metrics: deps.metrics,
        streamLog: deps.streamLog,
        leases: deps.leases,
        notifications: deps.notifications,
        running,
        config,
        countTokens: deps.countTokens,
        now: deps.now,
        newId: deps.newId,
        logError: deps.logError,
      },
      // Answers in a hidden chat stream side by side, so its message count says nothing about a snapshot of it.
      snapshot && !snapshot.chat.hidden
        ? {
            ...input,
            messageCount: snapshot.messages.length,
            onSaved: (added, chatTitle) => snapshots.extend(snapshot, added, chatTitle),
          }
        : input,
    );
    return typeof started === 'string' ? started : { ...started, chatId: input.chat.id };
  }

  /**
   * Saves `prompt` as a new user message after `context` in the snapshot's chat and starts its answer: what
   * sending and editing share, each with the conversation it reads before the prompt.
   */
  async function startPrompt(
    ownerId: string,
    snapshot: ChatSnapshot,
    options: Options & { model?: string },
    context: MessageRecord[],
    prompt: { content: string; clientMessageId: string | null; parentId: string | null },
    whileSaving: WhileSaving | undefined,
  ): Promise<GenerationHandle | 'duplicate_client_message' | 'stale_chat'> {
    const { chat } = snapshot;
    const model = await resolveModel(options.model ?? chat.model);
    const userMessageId = deps.newId();
    return start(
      {
        ownerId,
        chat,
        model,
        options,
        history: [...toTurns(context), { role: 'user', content: prompt.content }],
        parentId: userMessageId,
        userMessage: { id: userMessageId, ...prompt },
        whileSaving,
      },
      snapshot,
    );
  }

  /** Stops an answer running on another instance, or settles one whose instance is gone. */
  async function cancelElsewhere(message: MessageRecord): Promise<MessageStatus> {
    if (!(await deps.leases.isHeld(message.id))) {
      await takeOverAnswer(
        { streamLog: deps.streamLog, messages: repositories.messages, now: deps.now },
        message,
      );
    } else {
      const key = streamKeyOf({ ownerId: message.ownerId, chatId: message.chatId, streamId: message.id });
      const signal = AbortSignal.timeout(REMOTE_CANCEL_WAIT_MS);
      const ended = deps.streamLog.read(key, undefined, signal);
      await deps.bus.publish(CANCEL_CHANNEL, message.id);
      for await (const logged of ended) {
        if (logged.event.type === 'end') {
          break;
        }
      }
    }
    const settled = await repositories.messages.getMessage(message.ownerId, message.id);
    return settled?.status ?? message.status;
  }

  async function attachByClientMessageId(
    ownerId: string,
    chatId: string,
    clientMessageId: string,
  ): Promise<GenerationHandle | undefined> {
    const found = await repositories.messages.findByClientMessageId(ownerId, chatId, clientMessageId);
    return found?.answer && { streamId: found.answer.id, chatId };
  }

  /** The answer to the message sent with `clientMessageId`, among a chat's messages: a retry attaches to it. */
  function answerSentWith(
    chatMessages: MessageRecord[],
    clientMessageId: string | null,
  ): MessageRecord | undefined {
    const sent = clientMessageId
      ? chatMessages.find((message) => message.clientMessageId === clientMessageId)
      : undefined;
    return (
      sent && chatMessages.findLast((message) => message.parentId === sent.id && message.role === 'assistant')
    );
  }

  return {
    async send(ownerId, chatId, input, whileSaving) {
      const clientMessageId = input.clientMessageId ?? null;
      const started = await onChat(ownerId, chatId, async (snapshot) => {
        const { messages: chatMessages, thread } = snapshot;
        const attached = answerSentWith(chatMessages, clientMessageId);
        if (attached) {
          return { streamId: attached.id, chatId };
        }
        return startPrompt(
          ownerId,
          snapshot,
          input,
          thread,
          {
            content: input.content,
            clientMessageId,
            parentId: lastAnswerId(thread),
          },
          whileSaving,
        );
      });
      if (started !== 'duplicate_client_message') {
        return started;
      }
      // Two retries raced and the other one won: attach to its generation.
      const winner = clientMessageId && (await attachByClientMessageId(ownerId, chatId, clientMessageId));
      if (!winner) {
        throw new AppError('GENERATION_IN_PROGRESS');
      }
      return winner;
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
      const startIn = (chat: ChatRecord, snapshot?: ChatSnapshot) => {
        const userMessageId = deps.newId();
        return start(
          {
            ownerId,
            chat,
            model,
            options,
            history: messages,
            parentId: userMessageId,
            // The caller sends the whole conversation; in the chat it continues the thread as it reads now.
            userMessage: {
              id: userMessageId,
              content: prompt.content,
              clientMessageId: null,
              parentId: snapshot ? lastAnswerId(snapshot.thread) : null,
            },
          },
          snapshot,
        );
      };
      let started: Awaited<ReturnType<typeof start>>;
      if (chatId) {
        started = await onChat(ownerId, chatId, (snapshot) => startIn(snapshot.chat, snapshot));
      } else {
        try {
          started = await startIn(await hiddenChats.get(ownerId, model.id));
        } catch (error) {
          // The owner deleted their hidden chat since this instance last saw it: make it again, once.
          if (!(error instanceof AppError && error.code === 'NOT_FOUND')) {
            throw error;
          }
          hiddenChats.forget(ownerId);
          started = await startIn(await hiddenChats.get(ownerId, model.id));
        }
      }
      if (typeof started === 'string') {
        throw new AppError('INTERNAL', {
          message: `A request without a client message id ended as ${started}.`,
        });
      }
      return started;
    },

    async edit(ownerId, chatId, messageId, input, whileSaving) {
      const { content, ...options } = input;
      const started = await onChat(ownerId, chatId, async (snapshot) => {
        const { messages: chatMessages, thread } = snapshot;
        const target = findInChat(chatMessages, messageId);
        if (target.role !== 'user') {
          throw new AppError('VALIDATION_FAILED', {
            message: 'Only a user message can be edited; regenerate an answer instead.',
            field: 'messageId',
          });
        }
        // Versions share their parent, so any version of a message in the thread finds it here.
        const parentIndex = target.parentId
          ? thread.findIndex((message) => message.id === target.parentId)
          : -1;
        if (target.parentId && parentIndex === -1) {
          throw new AppError('NOT_FOUND', {
            message: 'That message is not in the conversation as it reads now.',
          });
        }
        return startPrompt(
          ownerId,
          snapshot,
          options,
          thread.slice(0, parentIndex + 1),
          {
            content,
            clientMessageId: null,
            parentId: target.parentId,
          },
          whileSaving,
        );
      });
      if (started === 'duplicate_client_message') {
        throw new AppError('INTERNAL', { message: 'An edit without a client message id collided on one.' });
      }
      return started;
    },

    async regenerate(ownerId, chatId, messageId, options, whileSaving) {
      const started = await onChat(ownerId, chatId, async (snapshot) => {
        const { chat, messages: chatMessages, thread } = snapshot;
        const target = findInChat(chatMessages, messageId);
        const promptId = target.role === 'user' ? target.id : target.parentId;
        if (!promptId) {
          throw new AppError('NOTHING_TO_REGENERATE');
        }
        const promptIndex = thread.findIndex((message) => message.id === promptId);
        if (promptIndex === -1) {
          throw new AppError('NOTHING_TO_REGENERATE');
        }
        const defaultModel = target.role === 'assistant' ? target.model : chat.model;
        const model = await resolveModel(options.model ?? defaultModel);
        return start(
          {
            ownerId,
            chat,
            model,
            options,
            history: toTurns(thread.slice(0, promptIndex + 1)),
            parentId: promptId,
            whileSaving,
          },
          snapshot,
        );
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
      if (message.status !== 'streaming') {
        return { streamId, status: message.status };
      }
      const generation = running.get(streamId);
      if (!generation) {
        return { streamId, status: await cancelElsewhere(message) };
      }
      running.stop(streamId, 'cancelled');
      const outcome = await generation.done;
      return { streamId, status: outcome.status };
    },

    chatCreated(chat) {
      snapshots.keep({ chat, messages: [], thread: [] });
    },

    runningCount: () => running.size,

    isDraining: () => draining,

    async drain(graceMs) {
      draining = true;
      reaper.stop();
      if (!(await running.settle(graceMs))) {
        running.stopAll('interrupted');
        await running.settle(graceMs);
      }
      await unsubscribe();
    },
  };
}

function lastAnswerId(thread: MessageRecord[]): string | null {
  return thread.findLast((message) => message.role === 'assistant')?.id ?? null;
}

/** What the model sees of the conversation: answers that produced text, and every user message. */
function toTurns(thread: MessageRecord[]): ChatTurn[] {
  return thread
    .filter((message) => message.role === 'user' || message.content !== '')
    .map((message) => ({ role: message.role, content: message.content }));
}
