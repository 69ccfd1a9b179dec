import type { ErrorCode } from '../../../protocol/errors.ts';
import type { EndData, LoggedEvent, StreamEvent } from '../../../protocol/events.ts';
import type { MessageRecord } from '../db/repository.ts';

const SAVED_ID_PREFIX = '0-';

/**
 * A finished answer whose stream has expired from the log, replayed from its saved row: `start`, the whole
 * text, then how it ended. Ids are `0-1`, `0-2`, ... (below any log id), so a client resuming inside this
 * replay gets the rest, and one resuming with a log id gets it all again, beginning with `start`, which tells
 * a client to reset what it shows.
 */
export function savedAnswerEvents(message: MessageRecord, afterId: string | undefined): LoggedEvent[] {
  const events: StreamEvent[] = [
    {
      type: 'start',
      data: {
        streamId: message.id,
        chatId: message.chatId,
        messageId: message.id,
        userMessageId: message.parentId ?? '',
        model: message.model,
        cached: message.cached,
        createdAt: message.createdAt.toISOString(),
      },
    },
  ];
  if (message.content !== '') {
    events.push({ type: 'text', data: { text: message.content } });
  }
  if (message.inputTokens !== null && message.outputTokens !== null) {
    events.push({
      type: 'usage',
      data: { inputTokens: message.inputTokens, outputTokens: message.outputTokens },
    });
  }
  events.push(...ending(message));
  const skip = afterId?.startsWith(SAVED_ID_PREFIX) ? Number(afterId.slice(SAVED_ID_PREFIX.length)) || 0 : 0;
  return events
    .map((event, index) => ({ id: `${SAVED_ID_PREFIX}${index + 1}`, event }))
    .filter((_, index) => index + 1 > skip);
}

function ending(message: MessageRecord): StreamEvent[] {
  const end = (data: EndData): StreamEvent => ({ type: 'end', data });
  switch (message.status) {
    case 'complete':
      return [end({ status: 'complete', finishReason: message.finishReason ?? 'stop' })];
    case 'cancelled':
      return [{ type: 'cancel', data: {} }, end({ status: 'cancelled', finishReason: 'cancelled' })];
    case 'error':
      return [
        {
          type: 'error',
          data: { code: errorCodeOf(message), message: message.errorMessage ?? 'The answer failed.' },
        },
        end({ status: 'error', finishReason: 'error' }),
      ];
    default:
      // Interrupted, or still marked streaming with no log behind it: its generator is gone.
      return [
        {
          type: 'error',
          data: { code: 'GENERATION_INTERRUPTED', message: 'The server generating this answer stopped.' },
        },
        end({ status: 'interrupted', finishReason: 'error' }),
      ];
  }
}

/** Saved error codes were written from the catalogue, so reading one back as a code is safe. */
function errorCodeOf(message: MessageRecord): ErrorCode {
  return (message.errorCode ?? 'INTERNAL') as ErrorCode;
}
