import type { LoggedEvent } from '../../../protocol/events.ts';
import { AppError } from '../app-error.ts';
import type { MessageRepository } from '../db/repository.ts';
import type { StreamLog } from '../streams/stream-log.ts';
import { savedAnswerEvents } from './saved-answer-events.ts';
import { streamKeyOf } from './stream-key.ts';

export type GenerationReader = (signal: AbortSignal) => AsyncIterable<LoggedEvent>;

/**
 * Finds a generation for its owner and returns how to read it after `afterId`: from the stream log while it
 * is there, else from the saved answer. Resolving before any byte is sent lets a caller answer 404 cleanly.
 */
export async function openGenerationStream(
  deps: { streamLog: StreamLog; messages: MessageRepository },
  ownerId: string,
  streamId: string,
  afterId: string | undefined,
): Promise<GenerationReader> {
  const message = await deps.messages.getMessage(ownerId, streamId);
  if (message?.role !== 'assistant') {
    throw new AppError('NOT_FOUND', { message: 'No such stream.' });
  }
  const key = streamKeyOf({ ownerId, chatId: message.chatId, streamId });
  if (await deps.streamLog.exists(key)) {
    return (signal) => deps.streamLog.read(key, afterId, signal);
  }
  const saved = savedAnswerEvents(message, afterId);
  return async function* () {
    yield* saved;
  };
}
