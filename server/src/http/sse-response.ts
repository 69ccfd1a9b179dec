import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { LoggedEvent } from '../../../protocol/events.ts';
import type { Metrics } from '../metrics/metrics.ts';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // Tells nginx-style proxies not to buffer the stream.
  'x-accel-buffering': 'no',
} as const;

/**
 * Takes over the response and writes each event as it comes. The read stops when the client goes away;
 * the generation itself does not, since it never depended on this connection. Resolves true when the
 * stream ran to its end, false when the client left first.
 */
export function sendEventStream(
  reply: FastifyReply,
  read: (signal: AbortSignal) => AsyncIterable<LoggedEvent>,
  render: (event: LoggedEvent) => string,
  metrics: Pick<Metrics, 'subscriberOpened' | 'subscriberClosed'>,
): Promise<boolean> {
  return sendSseFrames(
    reply,
    async function* (signal) {
      for await (const event of read(signal)) {
        yield render(event);
      }
    },
    metrics,
  );
}

/** Like `sendEventStream`, for dialects that need to do more than render each event (look up, add, drop). */
export async function sendSseFrames(
  reply: FastifyReply,
  frames: (signal: AbortSignal) => AsyncIterable<string>,
  metrics: Pick<Metrics, 'subscriberOpened' | 'subscriberClosed'>,
): Promise<boolean> {
  reply.hijack();
  const res = reply.raw;
  const gone = new AbortController();
  metrics.subscriberOpened();
  res.on('close', () => {
    gone.abort();
    metrics.subscriberClosed();
  });
  res.writeHead(200, SSE_HEADERS);
  res.flushHeaders();
  try {
    for await (const frame of frames(gone.signal)) {
      if (frame !== '' && !res.write(frame)) {
        await waitForDrain(res, gone.signal);
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
