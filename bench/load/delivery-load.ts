import { createChats } from './create-chats.ts';
import { openSse } from './open-sse.ts';
import { startAnswer } from './start-answer.ts';
import { withTimeout } from './with-timeout.ts';

export interface DeliveryJob {
  kind: 'delivery';
  /** The instance that runs the answers; its subscriber is the reference. */
  nearUrl: string;
  /** Another instance, whose subscriber reads the same answers through the shared log. */
  farUrl: string;
  headers: Record<string, string>;
  model: string;
  answers: number;
}

export interface DeliveryResult {
  /** Per live event: arrival at the far subscriber minus arrival at the near one. */
  extraMs: number[];
  failed: number;
  firstError: string | undefined;
}

/** Follows each answer from two instances at once and compares when every event arrives at each. */
export async function runDeliveryLoad(job: DeliveryJob): Promise<DeliveryResult> {
  const chats = await createChats(job.nearUrl, job.headers, job.answers);
  const result: DeliveryResult = { extraMs: [], failed: 0, firstError: undefined };
  for (const chatId of chats) {
    try {
      await withTimeout(compareOnce(job, chatId, result.extraMs), 60_000, 'an answer followed twice');
    } catch (error) {
      result.failed++;
      result.firstError ??= String(error);
    }
  }
  return result;
}

async function compareOnce(job: DeliveryJob, chatId: string, extraMs: number[]): Promise<void> {
  const answer = await startAnswer({
    url: job.nearUrl,
    headers: job.headers,
    chatId,
    body: { content: 'Deliver me twice.', model: job.model },
  });
  answer.connection.close();
  const follow = (url: string) => {
    const arrivals = new Map<string, number>();
    const connection = openSse(
      {
        url: `${url}/api/streams/${answer.streamId}`,
        headers: { ...job.headers, 'last-event-id': answer.startEventId },
        agent: false,
      },
      (event, at) => arrivals.set(event.id ?? '', at),
    );
    return { arrivals, connection };
  };
  const near = follow(job.nearUrl);
  const far = follow(job.farUrl);
  await Promise.all([near.connection.opened, far.connection.opened]);
  // Events that arrived before both were open were replays, not live deliveries.
  const liveFrom = performance.now();
  await Promise.all([near.connection.done, far.connection.done]);
  for (const [id, nearAt] of near.arrivals) {
    const farAt = far.arrivals.get(id);
    if (farAt !== undefined && nearAt >= liveFrom) {
      extraMs.push(farAt - nearAt);
    }
  }
}
