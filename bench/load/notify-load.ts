import { setTimeout as sleep } from 'node:timers/promises';
import { io, type Socket } from 'socket.io-client';
import { createChats } from './create-chats.ts';
import { assertLoopback } from './open-sse.ts';
import { startAnswer } from './start-answer.ts';
import { withTimeout } from './with-timeout.ts';

export interface NotifyJob {
  kind: 'notify';
  /** The instance that runs the answers; a socket there is the reference. */
  nearUrl: string;
  /** Another instance: its socket hears of the answers through the socket.io Redis adapter. */
  farUrl: string;
  anonId: string;
  model: string;
  answers: number;
}

export interface NotifyResult {
  available: boolean;
  reason: string | undefined;
  /** Per answer: `stream_ended` at the far socket minus at the near one. */
  extraMs: number[];
  /** Per answer: `stream_ended` at the far socket minus the `end` event on the answer's own SSE stream. */
  afterEndMs: number[];
  failed: number;
  firstError: string | undefined;
}

const WAIT_MS = 5000;

/** Two sockets of one principal, one per instance, timing each answer's notifications at both. */
export async function runNotifyLoad(job: NotifyJob): Promise<NotifyResult> {
  assertLoopback(job.nearUrl);
  assertLoopback(job.farUrl);
  const result: NotifyResult = {
    available: true,
    reason: undefined,
    extraMs: [],
    afterEndMs: [],
    failed: 0,
    firstError: undefined,
  };
  const arrivals = { near: new Map<string, number>(), far: new Map<string, number>() };
  const sockets: Socket[] = [];
  try {
    for (const side of ['near', 'far'] as const) {
      const socket = io(`${side === 'near' ? job.nearUrl : job.farUrl}/chats`, {
        auth: { anonId: job.anonId },
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
      });
      sockets.push(socket);
      socket.on('stream_ended', (payload: { stream_id: string }) =>
        arrivals[side].set(payload.stream_id, performance.now()),
      );
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          socket.once('connect', resolve);
          socket.once('connect_error', reject);
        }),
        WAIT_MS,
        'a socket.io connection',
      );
    }
  } catch (error) {
    for (const socket of sockets) {
      socket.close();
    }
    return { ...result, available: false, reason: `socket.io connect_error: ${(error as Error).message}` };
  }

  const chats = await createChats(job.nearUrl, { 'x-anon-id': job.anonId }, job.answers);
  for (const chatId of chats) {
    try {
      const timed = await withTimeout(
        timeOne(job, chatId, arrivals),
        WAIT_MS * 2,
        'an answer and its notifications',
      );
      result.extraMs.push(timed.extraMs);
      result.afterEndMs.push(timed.afterEndMs);
    } catch (error) {
      result.failed++;
      result.firstError ??= String(error);
    }
  }
  for (const socket of sockets) {
    socket.close();
  }
  return result;
}

/** Runs one answer and waits for its `stream_ended` at both sockets. */
async function timeOne(
  job: NotifyJob,
  chatId: string,
  arrivals: { near: Map<string, number>; far: Map<string, number> },
): Promise<{ extraMs: number; afterEndMs: number }> {
  let endAt = 0;
  const answer = await startAnswer({
    url: job.nearUrl,
    headers: { 'x-anon-id': job.anonId },
    chatId,
    body: { content: 'Tell every tab.', model: job.model },
    onEvent(event, at) {
      if (event.event === 'end') {
        endAt = at;
      }
    },
  });
  await answer.connection.done;
  const deadline = performance.now() + WAIT_MS;
  while (!(arrivals.near.has(answer.streamId) && arrivals.far.has(answer.streamId))) {
    if (performance.now() > deadline) {
      throw new Error(`no stream_ended at both sockets within ${WAIT_MS} ms`);
    }
    await sleep(1);
  }
  const far = arrivals.far.get(answer.streamId) ?? 0;
  return { extraMs: far - (arrivals.near.get(answer.streamId) ?? 0), afterEndMs: far - endAt };
}
