import type { EndData, StreamEvent, UsageData } from '../../../protocol/events.ts';
import { AppError } from '../app-error.ts';
import type { MessageRecord, MessageRepository } from '../db/repository.ts';
import type { StreamLog } from '../streams/stream-log.ts';
import { streamKeyOf } from './stream-key.ts';

export interface TakeOverDeps {
  streamLog: StreamLog;
  messages: MessageRepository;
  now(): Date;
}

/**
 * Settles an answer whose generating instance is gone: saves the text the log holds as `interrupted` (or as
 * the log says it ended, when its instance died just after `end`), then tells every subscriber with an
 * `error` and an `end`. The save only succeeds on a row still streaming, so when instances race, exactly
 * one wins and only the winner writes to the log. Returns how it ended, or undefined when another won.
 */
export async function takeOverAnswer(
  deps: TakeOverDeps,
  message: MessageRecord,
): Promise<EndData['status'] | undefined> {
  const key = streamKeyOf({ ownerId: message.ownerId, chatId: message.chatId, streamId: message.id });
  const events = (await deps.streamLog.range(key)).map((logged) => logged.event);
  let text = '';
  let usage: UsageData | undefined;
  let end: EndData | undefined;
  let failure: { code: string; message: string } | undefined;
  let cached = message.cached;
  for (const event of events) {
    if (event.type === 'start') {
      cached = event.data.cached;
    } else if (event.type === 'text') {
      text += event.data.text;
    } else if (event.type === 'usage') {
      usage = event.data;
    } else if (event.type === 'end') {
      end = event.data;
    } else if (event.type === 'error') {
      failure = event.data;
    }
  }
  const interrupted = new AppError('GENERATION_INTERRUPTED');
  if (!end) {
    failure = { code: interrupted.code, message: interrupted.message };
  }
  const status = end?.status ?? 'interrupted';
  const won = await deps.messages.finishAnswer({
    id: message.id,
    content: text,
    status,
    finishReason: end?.finishReason ?? 'error',
    inputTokens: usage?.inputTokens ?? null,
    outputTokens: usage?.outputTokens ?? null,
    errorCode: failure?.code ?? null,
    errorMessage: failure?.message ?? null,
    cached,
    now: deps.now(),
  });
  if (!won) {
    return undefined;
  }
  // Without events there is no stream to tell (the log lost it); readers fall back to the saved answer.
  if (!end && events.length > 0) {
    const closing: StreamEvent[] = [
      { type: 'error', data: { code: interrupted.code, message: interrupted.message } },
      { type: 'end', data: { status, finishReason: 'error' } },
    ];
    for (const event of closing) {
      await deps.streamLog.append(key, event);
    }
  }
  return status;
}
