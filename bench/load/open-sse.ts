import { type Agent, request } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** `false` for a connection of its own (subscribers); an agent to reuse connections (request loops). */
  agent: Agent | false;
}

export interface SseConnection {
  /** Resolves with the status once the headers are in; rejects with the body of any status but 200. */
  opened: Promise<number>;
  /** Resolves when the stream ends or is closed here; rejects on a network error. */
  done: Promise<void>;
  close(): void;
}

/** Refuses anything but loopback: the bench must never send load elsewhere. */
export function assertLoopback(url: string): void {
  const { hostname } = new URL(url);
  if (hostname !== '127.0.0.1') {
    throw new Error(`bench traffic goes to 127.0.0.1 only, not ${hostname}`);
  }
}

/**
 * One SSE response read with eventsource-parser over node:http (lighter than fetch when thousands are open).
 * `onEvent` gets each event with the time its chunk arrived.
 */
export function openSse(
  input: SseRequest,
  onEvent: (event: EventSourceMessage, at: number) => void,
): SseConnection {
  let arrivedAt = 0;
  const parser = createParser({ onEvent: (event) => onEvent(event, arrivedAt) });
  return openStream(input, (chunk, at) => {
    arrivedAt = at;
    parser.feed(chunk);
  });
}

/**
 * Counts the events of an SSE response without parsing them (a blank line ends each), for fan-out, where the
 * client has to keep up with a server writing to thousands of connections.
 */
export function countSse(input: SseRequest, onEvents: (count: number, at: number) => void): SseConnection {
  let endedWithNewline = false;
  return openStream(input, (chunk, at) => {
    let events = endedWithNewline && chunk.startsWith('\n') ? 1 : 0;
    for (let index = chunk.indexOf('\n\n'); index !== -1; index = chunk.indexOf('\n\n', index + 2)) {
      events++;
    }
    endedWithNewline = chunk.endsWith('\n');
    if (events > 0) {
      onEvents(events, at);
    }
  });
}

function openStream(input: SseRequest, onChunk: (chunk: string, at: number) => void): SseConnection {
  assertLoopback(input.url);
  let closed = false;
  const opened = Promise.withResolvers<number>();
  const done = Promise.withResolvers<void>();
  // Either may reject before anyone awaits it.
  opened.promise.catch(() => undefined);
  done.promise.catch(() => undefined);

  const body = input.body === undefined ? undefined : JSON.stringify(input.body);
  const req = request(
    input.url,
    {
      method: input.method ?? 'GET',
      agent: input.agent,
      headers: {
        accept: 'text/event-stream',
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...input.headers,
      },
    },
    (res) => {
      res.setEncoding('utf8');
      if (res.statusCode !== 200) {
        let text = '';
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          const error = new Error(`${res.statusCode} from ${input.url}: ${text.slice(0, 300)}`);
          opened.reject(error);
          done.reject(error);
        });
        return;
      }
      opened.resolve(200);
      res.on('data', (chunk: string) => onChunk(chunk, performance.now()));
      res.on('end', () => done.resolve());
      res.on('close', () => done.resolve());
    },
  );
  req.on('error', (error) => {
    if (closed) {
      opened.resolve(0);
      done.resolve();
    } else {
      opened.reject(error);
      done.reject(error);
    }
  });
  req.end(body);

  return {
    opened: opened.promise,
    done: done.promise,
    close() {
      closed = true;
      req.destroy();
      done.resolve();
    },
  };
}
