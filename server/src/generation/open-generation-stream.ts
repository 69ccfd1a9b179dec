import type { LoggedEvent } from '../../../protocol/events.ts';
import { AppError } from '../app-error.ts';
import type { MessageRepository } from '../db/repository.ts';
import type { StreamLog } from '../streams/stream-log.ts';
import { savedAnswerEvents } from './saved-answer-events.ts';
import { streamAliasOf } from './stream-alias.ts';
import { streamKeyOf } from './stream-key.ts';

export type GenerationReader = (signal: AbortSignal) => AsyncIterable<LoggedEvent>;

/**
 * Finds a generation for its owner and returns how to read it after `afterId` (call that once): from the
 * stream log while it is there, else from the saved answer. Resolving before any byte is sent lets a caller
 * answer 404 cleanly.
 *
 * The log is asked first: by the stream's key when the caller knows the chat (it just started the answer),
 * else by the owner's alias of the stream. Both are names only the owner's streams have, so another principal
 * finds nothing there and gets the database's 404. The database is read only when the log does not have the
 * stream (it expired, or it has no alias), so a reconnect to a live answer never waits on it.
 */
export async function openGenerationStream(
  deps: { streamLog: StreamLog; messages: Pick<MessageRepository, 'getMessage'> },
  ownerId: string,
  streamId: string,
  afterId: string | undefined,
  chatId?: string,
): Promise<GenerationReader> {
  const key =
    chatId === undefined
      ? await deps.streamLog.findAlias(streamAliasOf({ ownerId, streamId }))
      : streamKeyOf({ ownerId, chatId, streamId });
  const logged = key === undefined ? undefined : await deps.streamLog.open(key, afterId);
  if (logged) {
    return logged;
  }
  const message = await deps.messages.getMessage(ownerId, streamId);
  if (message?.role !== 'assistant') {
    throw new AppError('NOT_FOUND', { message: 'No such stream.' });
  }
  const savedKey = streamKeyOf({ ownerId, chatId: message.chatId, streamId });
  const fromLog = savedKey === key ? undefined : await deps.streamLog.open(savedKey, afterId);
  if (fromLog) {
    return fromLog;
  }
  const saved = savedAnswerEvents(message, afterId);
  return async function* () {
    yield* saved;
  };
}
