import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { LoggedEvent } from '../../../protocol/events.ts';
import type { SseFrame } from '../dialects/native-sse.ts';
import type { Metrics } from '../metrics/metrics.ts';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // Tells nginx-style proxies not to buffer the stream.
  'x-accel-buffering': 'no',
} as const;

type SubscriberMetrics = Pick<Metrics, 'subscriberOpened' | 'subscriberClosed'>;

/**
 * Takes over the response and writes each event as it comes. The read stops when the client goes away;
 * the generation itself does not, since it never depended on this connection. Resolves true when the
 * stream ran to its end, false when the client left first.
 */
export function sendEventStream(
  reply: FastifyReply,
  read: (signal: AbortSignal) => AsyncIterable<LoggedEvent>,
  render: (event: LoggedEvent) => SseFrame,
  metrics: SubscriberMetrics,
): Promise<boolean> {
  return streamResponse(reply, metrics, read, render);
}

/** Like `sendEventStream`, for dialects that need to do more than render each event (look up, add, drop). */
export function sendSseFrames(
  reply: FastifyReply,
  frames: (signal: AbortSignal) => AsyncIterable<string>,
  metrics: SubscriberMetrics,
): Promise<boolean> {
  return streamResponse(reply, metrics, frames, asFrame);
}

function asFrame(frame: string): SseFrame {
  return frame;
}

/**
 * The whole subscriber in one async function with its own loop, rather than a loop function awaited by a
 * wrapper or a generator in between: a subscriber is what fan-out and idle connections multiply, and each
 * async frame parked in an await keeps its registers, promise and resume closures for as long as it waits.
 */
// One reason for every closed response: abort() without one builds a DOMException, with its stack, each time.
const CLIENT_GONE = new Error('the client closed the event stream');

async function streamResponse<Item>(
  reply: FastifyReply,
  metrics: SubscriberMetrics,
  read: (signal: AbortSignal) => AsyncIterable<Item>,
  render: (item: Item) => SseFrame,
): Promise<boolean> {
  reply.hijack();
  const res = reply.raw;
  const gone = new AbortController();
  metrics.subscriberOpened();
  res.on('close', () => {
    gone.abort(CLIENT_GONE);
    metrics.subscriberClosed();
  });
  res.writeHead(200, SSE_HEADERS);
  // The first event usually follows at once and carries the headers with it: one write and one wake-up of the
  // client instead of two. A stream with nothing to send yet (a resume at its live end) sends them on its own.
  // The timer is not kept: an idle subscriber holds nothing for it once it has run.
  let wrote = false;
  setImmediate(() => {
    if (!wrote && !res.writableEnded) {
      res.flushHeaders();
    }
  });
  try {
    for await (const item of read(gone.signal)) {
      const frame = render(item);
      if (frame.length > 0) {
        wrote = true;
        if (!res.write(frame)) {
          await waitForDrain(res, gone.signal);
        }
      }
    }
  } catch (error) {
    if (!gone.signal.aborted) {
      reply.log.error({ err: error }, 'event stream failed');
    }
  }
  // Read before end(): ending the response fires 'close' too.
  const completed = !gone.signal.aborted;
  res.end();
  return completed;
}

async function waitForDrain(res: ServerResponse, signal: AbortSignal): Promise<void> {
  try {
    await once(res, 'drain', { signal });
  } catch {
    // Aborted: the client left while we waited; the read loop sees the signal and ends.
  }
}
