import type { ClientRequest, IncomingMessage } from 'node:http';
import { AppError } from '../app-error.ts';
import {
  createUpstreamResponse,
  sendUpstreamRequest,
  type UpstreamRequestInit,
  type UpstreamResponse,
} from './upstream-http.ts';

/** How long an upstream request may stay silent in each phase before it fails with PROVIDER_TIMEOUT. */
export interface ProviderTimeouts {
  /** From sending the request until the response headers arrive. */
  connectMs: number;
  /** From the response headers until the first output: text, a tool call, or streamed reasoning. */
  firstTokenMs: number;
  /** Between two chunks of the body once the answer has started. */
  idleMs: number;
}

// A cold model (an Ollama load, a reasoning model thinking) can take a while before its first token.
export const defaultProviderTimeouts: ProviderTimeouts = {
  connectMs: 10_000,
  firstTokenMs: 60_000,
  idleMs: 30_000,
};

/**
 * One upstream HTTP request with its deadlines. It is destroyed, closing the connection, when the caller's signal
 * aborts or a deadline passes; `failure` turns whatever was thrown into what the adapter rethrows.
 */
export interface UpstreamCall {
  /** Posts JSON; rejects with a coded AppError when the provider cannot be reached in time. */
  post(url: string, headers: Record<string, string>, body: unknown): Promise<UpstreamResponse>;
  get(url: string): Promise<UpstreamResponse>;
  /** A chunk of the body arrived: once the answer has started, the idle deadline counts from the last one. */
  received(): void;
  /** A failure reading the body, coded: the caller's abort reason, the timeout, else PROVIDER_DISCONNECTED. */
  readFailure(error: unknown): unknown;
  /** The first output arrived (text, tool call or reasoning): from now on only the idle deadline applies. */
  started(): void;
  /** The caller's abort reason on cancel, else a coded AppError. */
  failure(error: unknown): unknown;
  /**
   * Stops the clock. An answer that arrived whole keeps its connection for the next call (what the reader left
   * unread is drained); anything else closes it.
   */
  close(): void;
}

export function createUpstreamCall(input: {
  provider: string;
  signal: AbortSignal;
  /** defaultProviderTimeouts when not given. */
  timeouts?: ProviderTimeouts;
}): UpstreamCall {
  const { provider, signal, timeouts = defaultProviderTimeouts } = input;
  let request: ClientRequest | undefined;
  let body: IncomingMessage | undefined;
  let timeout: AppError | undefined;
  let timer: NodeJS.Timeout | undefined;
  let answered = false;
  let started = false;

  // Fails the pending request, or the body reader's next read; `failure` and `readFailure` code that by what
  // disconnected (the caller's abort, a deadline).
  const disconnect = () => {
    body?.destroy();
    request?.destroy();
  };
  signal.addEventListener('abort', disconnect, { once: true });

  // Once the answer has started, a chunk only notes when it came, and the idle timer checks that when it fires:
  // moving the timer on every chunk cost a timer-list update per relayed token.
  let receivedAt = 0;
  const arm = (ms: number, message: string) => {
    clearTimeout(timer);
    const expire = () => {
      const quietMs = performance.now() - receivedAt;
      if (started && quietMs < ms) {
        timer = setTimeout(expire, ms - quietMs);
        return;
      }
      timeout = new AppError('PROVIDER_TIMEOUT', { message: `${message} (${provider}, ${ms} ms).` });
      disconnect();
    };
    timer = setTimeout(expire, ms);
  };

  const failure = (error: unknown): unknown => {
    if (signal.aborted) {
      return signal.reason;
    }
    if (timeout) {
      return timeout;
    }
    if (error instanceof AppError) {
      return error;
    }
    if (!answered) {
      return new AppError(isConnectTimeout(error) ? 'PROVIDER_TIMEOUT' : 'PROVIDER_UNAVAILABLE', {
        cause: error,
      });
    }
    // Read failures come coded from `readFailure`; anything else is our own bug and reaches the client as INTERNAL.
    return error;
  };

  const send = async (url: string, init: UpstreamRequestInit): Promise<UpstreamResponse> => {
    signal.throwIfAborted();
    arm(timeouts.connectMs, 'The model provider sent no response');
    let response: IncomingMessage;
    try {
      response = await new Promise<IncomingMessage>((resolve, reject) => {
        request = sendUpstreamRequest(url, init);
        // Both stay on for the request's life, settling nothing once the answer came: a later socket failure
        // reaches the body's reader as a failed read.
        request.on('error', reject);
        request.on('close', () => reject(new Error(`${provider} closed the connection before answering`)));
        request.on('response', resolve);
      });
    } catch (error) {
      throw failure(error);
    }
    body = response;
    answered = true;
    arm(timeouts.firstTokenMs, 'The model provider sent no first token');
    return createUpstreamResponse(response.statusCode ?? 0, response.headers, response);
  };

  return {
    post(url, headers, payload) {
      return send(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(payload),
      });
    },

    get(url) {
      return send(url, { method: 'GET', headers: {} });
    },

    received() {
      receivedAt = performance.now();
    },

    readFailure(error) {
      return signal.aborted
        ? signal.reason
        : (timeout ?? new AppError('PROVIDER_DISCONNECTED', { cause: error }));
    },

    started() {
      if (!started) {
        started = true;
        receivedAt = performance.now();
        arm(timeouts.idleMs, 'The model provider went silent mid-answer');
      }
    },

    failure,

    close() {
      clearTimeout(timer);
      signal.removeEventListener('abort', disconnect);
      if (body?.complete) {
        body.resume();
      } else {
        disconnect();
      }
    },
  };
}

/**
 * Streams what `use` yields over a new upstream call, and ends the call however the stream ends: anything thrown
 * comes out coded by `failure`, and the connection closes on the last event, a failure and an early return alike.
 * An iterator of its own rather than an async generator delegating with `yield*`, which would add promise
 * round trips to every token the model streams.
 */
export function streamUpstreamCall<T>(
  input: { provider: string; signal: AbortSignal; timeouts?: ProviderTimeouts },
  use: (call: UpstreamCall) => AsyncIterable<T>,
): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const call = createUpstreamCall(input);
      const inner = use(call)[Symbol.asyncIterator]();
      let closed = false;
      const close = () => {
        if (!closed) {
          closed = true;
          call.close();
        }
      };
      const passOn = (result: IteratorResult<T>) => {
        if (result.done) {
          close();
        }
        return result;
      };
      const fail = (error: unknown): never => {
        const coded = call.failure(error);
        close();
        throw coded;
      };
      return {
        next: () => inner.next().then(passOn, fail),
        async return(value?: unknown) {
          try {
            await inner.return?.(value);
          } catch (error) {
            fail(error);
          } finally {
            close();
          }
          return { done: true, value: undefined };
        },
      };
    },
  };
}

/**
 * A non-2xx answer as a coded error. `contextTooLong` is the adapter's reading of the provider's error body;
 * the upstream body goes to the cause (for the log), never to the client.
 */
export function httpError(input: {
  provider: string;
  status: number;
  headers: { get(name: string): string | null };
  detail: string;
  contextTooLong: boolean;
}): AppError {
  const cause = new Error(`${input.provider} answered HTTP ${input.status}: ${input.detail.slice(0, 2000)}`);
  const retryAfterSeconds = parseRetryAfter(input.headers.get('retry-after'));
  return new AppError(codeForStatus(input.status, input.contextTooLong), { cause, retryAfterSeconds });
}

/**
 * A non-2xx answer, body and all, as a coded error. `isContextOverflow` is the adapter's reading of the body
 * (parsed JSON, or undefined when it is not JSON).
 */
export async function readHttpError(input: {
  provider: string;
  response: UpstreamResponse;
  isContextOverflow(body: unknown): boolean;
}): Promise<AppError> {
  const { provider, response } = input;
  const text = await response.text().catch(() => '');
  return httpError({
    provider,
    status: response.status,
    headers: response.headers,
    detail: text,
    contextTooLong: input.isContextOverflow(parseJson(text)),
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The JSON of one chunk, or PROVIDER_BAD_RESPONSE quoting it (for the log). */
export function parseChunk(provider: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new AppError('PROVIDER_BAD_RESPONSE', {
      cause: new Error(`${provider} sent an unreadable chunk: ${text.slice(0, 500)}`, { cause }),
    });
  }
}

function codeForStatus(status: number, contextTooLong: boolean) {
  if (contextTooLong || status === 413) {
    return 'CONTEXT_TOO_LONG' as const;
  }
  if (status === 401 || status === 403) {
    return 'PROVIDER_AUTH' as const;
  }
  if (status === 404) {
    return 'MODEL_NOT_FOUND' as const;
  }
  if (status === 408) {
    return 'PROVIDER_TIMEOUT' as const;
  }
  if (status === 429) {
    return 'PROVIDER_RATE_LIMITED' as const;
  }
  if (status >= 500) {
    return 'PROVIDER_UNAVAILABLE' as const;
  }
  // Any other 4xx: the provider refused the request as it was built (an option this model does not take, a value
  // out of its range), so sending it again unchanged cannot help.
  return 'PROVIDER_REJECTED' as const;
}

/** Retry-After in seconds: either delta-seconds or an HTTP date (RFC 9110 section 10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') {
    return undefined;
  }
  const seconds = Number(value);
  if (Number.isFinite(seconds)) {
    return Math.max(0, Math.ceil(seconds));
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

// The system can give up connecting before connectMs does; that is a timeout too, not an outage.
function isConnectTimeout(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ETIMEDOUT';
}
