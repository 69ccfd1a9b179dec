import type { StartData, StreamEvent } from '../../../protocol/events.ts';
import { type ApiError, isAbort, toApiError } from '../api/api-error.ts';
import { readServerSentEvents } from '../api/event-stream.ts';
import { parleyApi } from '../api/parley-api.ts';
import { errorText } from './error-text.ts';
import { getState, patchMessage, renameMessage, setLive, setState } from './store.ts';
import { appendText, discardText, flushText } from './text-frames.ts';

/** Streams this tab reads, so a notification or a reload never makes it read one twice. */
const following = new Map<string, AbortController>();
/** Chats whose Stop was pressed before the server had started the answer. */
const stopOnStart = new Set<string>();

export interface AnswerStream {
  chatId: string;
  /** The id the answer has in the store now: a placeholder until `start`, then the stream id. */
  answerId: string;
  /** Known when resuming; learnt from `start` when `open` starts the answer. */
  streamId?: string;
  /** Starts the answer (POST); unused when `streamId` is known. */
  open?: (signal: AbortSignal) => Promise<Response>;
  /** On `start`: the placeholders become the server's ids. */
  onStart?: (data: StartData) => void;
  /** Before any event arrived: the request was refused or never reached the server. */
  onFailed?: (error: ApiError) => void;
  /** With the answer's final id. */
  onEnd?: (answerId: string) => void;
}

const backoffMs = (attempt: number) => Math.min(500 * 2 ** attempt, 5000);

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

// A retry that the banner's button can cut short.
let retryNow: (() => void) | undefined;

function showReconnecting(): void {
  setState({
    reachable: false,
    banner: {
      code: 'NETWORK',
      text: 'Connection lost. The answer continues on the server; reconnecting…',
      retry: () => retryNow?.(),
      transient: true,
    },
  });
}

function clearReconnecting(): void {
  const { banner, reachable } = getState();
  if (banner?.transient || !reachable) {
    setState({ reachable: true, ...(banner?.transient && { banner: null }) });
  }
}

export function isFollowing(streamId: string): boolean {
  return following.has(streamId);
}

/**
 * Reads one answer to its end, into the store. A dropped connection resumes from the last event id, so the
 * text has no gap and no repeat; `start` (sent first on every replay) resets the answer's text.
 */
export async function streamAnswer(stream: AnswerStream): Promise<void> {
  const controller = new AbortController();
  const { signal } = controller;
  let { answerId, streamId } = stream;
  let lastEventId: string | undefined;
  let attempt = 0;
  if (streamId) {
    following.set(streamId, controller);
  }
  setLive(stream.chatId, streamId ?? 'pending');

  const finish = () => {
    if (streamId) {
      following.delete(streamId);
    }
    stopOnStart.delete(stream.chatId);
    if (getState().live[stream.chatId] === (streamId ?? 'pending')) {
      setLive(stream.chatId, undefined);
    }
  };

  for (;;) {
    let response: Response;
    try {
      if (streamId) {
        response = await parleyApi.resume(streamId, lastEventId, signal);
      } else if (stream.open) {
        response = await stream.open(signal);
      } else {
        return finish();
      }
    } catch (error) {
      if (isAbort(error)) {
        return finish();
      }
      const apiError = toApiError(error);
      if (apiError.code !== 'NETWORK' || !streamId) {
        finish();
        stream.onFailed?.(apiError);
        return;
      }
      showReconnecting();
      await retryAfter(attempt++, signal);
      continue;
    }
    try {
      for await (const sse of readServerSentEvents(response)) {
        const event = { type: sse.event, data: sse.data } as StreamEvent;
        lastEventId = sse.id;
        if (attempt > 0) {
          attempt = 0;
          clearReconnecting();
        }
        if (event.type === 'start') {
          flushText();
          if (!streamId) {
            streamId = event.data.streamId;
            following.set(streamId, controller);
            setLive(stream.chatId, streamId);
          }
          stream.onStart?.(event.data);
          renameMessage(answerId, event.data.messageId, {
            content: '',
            status: 'streaming',
            parentId: event.data.userMessageId,
            errorCode: null,
            model: event.data.model,
            cached: event.data.cached,
          });
          answerId = event.data.messageId;
          discardText(answerId);
          if (stopOnStart.has(stream.chatId)) {
            void stopAnswer(stream.chatId);
          }
        } else if (event.type === 'text') {
          appendText(answerId, event.data.text);
        } else if (event.type === 'usage') {
          patchMessage(answerId, {
            inputTokens: event.data.inputTokens,
            outputTokens: event.data.outputTokens,
          });
        } else if (event.type === 'error') {
          flushText();
          patchMessage(answerId, { errorCode: event.data.code });
        } else if (event.type === 'end') {
          flushText();
          patchMessage(answerId, { status: event.data.status, finishReason: event.data.finishReason });
          finish();
          stream.onEnd?.(answerId);
          return;
        }
      }
    } catch (error) {
      if (signal.aborted) {
        return finish();
      }
      if (!streamId) {
        finish();
        stream.onFailed?.(toApiError(error));
        return;
      }
    }
    if (signal.aborted) {
      return finish();
    }
    // The connection closed before `end`: the answer goes on in the server's log, so read on from there.
    showReconnecting();
    await retryAfter(attempt++, signal);
  }
}

async function retryAfter(attempt: number, signal: AbortSignal): Promise<void> {
  const skip = new AbortController();
  retryNow = () => skip.abort();
  signal.addEventListener('abort', () => skip.abort());
  await wait(backoffMs(attempt), skip.signal);
  retryNow = undefined;
}

/** Follows an answer this tab did not start: after a reload, or one started in another tab. */
export function followStream(chatId: string, streamId: string, onEnd?: (answerId: string) => void): void {
  if (following.has(streamId)) {
    return;
  }
  void streamAnswer({ chatId, answerId: streamId, streamId, ...(onEnd && { onEnd }) });
}

/** Stops reading a stream, as when its chat is deleted; the answer itself is the server's business. */
export function unfollowChat(chatId: string): void {
  const streamId = getState().live[chatId];
  if (streamId) {
    following.get(streamId)?.abort();
  }
}

/** Stop: cancels the chat's answer on the server, which saves the partial text as `cancelled`. */
export async function stopAnswer(chatId: string): Promise<void> {
  const streamId = getState().live[chatId];
  if (!streamId) {
    return;
  }
  if (streamId === 'pending') {
    stopOnStart.add(chatId);
    return;
  }
  try {
    await parleyApi.cancel(streamId);
  } catch (error) {
    const apiError = toApiError(error);
    setState({ banner: { code: apiError.code, text: errorText(apiError.code, apiError.message) } });
  }
}
