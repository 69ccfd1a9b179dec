import { setTimeout as sleep } from 'node:timers/promises';
import type { EventSourceMessage } from 'eventsource-parser';
import { createChats } from './create-chats.ts';
import { openSse } from './open-sse.ts';
import { startAnswer } from './start-answer.ts';
import { withTimeout } from './with-timeout.ts';

const SAMPLE_TIMEOUT_MS = 30_000;

export interface ResumeJob {
  kind: 'resume';
  /** The instance that runs the answers. */
  generateUrl: string;
  /** The instance the client reconnects to: the same one, or another. */
  resumeUrl: string;
  /** The bare server's `/first-event`: the floor of a reconnect, sampled in turn with Parley. */
  referenceUrl: string;
  headers: Record<string, string>;
  model: string;
  samples: number;
  /** The client drops after a random number of events up to this... */
  maxEventsBeforeDrop: number;
  /** ...and reconnects this much later, so the log holds events it has not seen. */
  pauseMs: number;
}

export interface ResumeResult {
  /** Reconnect request sent to first replayed event. */
  parleyMs: number[];
  referenceMs: number[];
  /** Replays whose first event was not the one right after Last-Event-ID. */
  wrong: number;
  failed: number;
  firstError: string | undefined;
}

/** Starts answers, drops each client mid-stream and times the reconnect with Last-Event-ID. */
export async function runResumeLoad(job: ResumeJob): Promise<ResumeResult> {
  const chats = await createChats(job.generateUrl, job.headers, job.samples);
  const result: ResumeResult = { parleyMs: [], referenceMs: [], wrong: 0, failed: 0, firstError: undefined };
  for (let sample = 0; sample < job.samples; sample++) {
    try {
      await withTimeout(resumeOnce(job, chats[sample] ?? '', result), SAMPLE_TIMEOUT_MS, 'a resume');
      result.referenceMs.push(
        await withTimeout(firstEventMs(job.referenceUrl, {}), SAMPLE_TIMEOUT_MS, 'bare'),
      );
    } catch (error) {
      result.failed++;
      result.firstError ??= String(error);
    }
  }
  return result;
}

async function resumeOnce(job: ResumeJob, chatId: string, result: ResumeResult): Promise<void> {
  const dropAfter = 2 + Math.floor(Math.random() * Math.max(1, job.maxEventsBeforeDrop - 1));
  const seen: string[] = [];
  const reached = Promise.withResolvers<void>();
  const answer = await startAnswer({
    url: job.generateUrl,
    headers: job.headers,
    chatId,
    body: { content: 'Resume me.', model: job.model },
    onEvent(event) {
      seen.push(event.id ?? '');
      if (seen.length === dropAfter || event.event === 'end') {
        reached.resolve();
      }
    },
  });
  await reached.promise;
  answer.connection.close();
  const lastId = seen[dropAfter - 1] ?? seen.at(-1) ?? '';
  await sleep(job.pauseMs);
  let next: string | undefined;
  const ms = await firstEventMs(
    `${job.resumeUrl}/api/streams/${answer.streamId}`,
    { ...job.headers, 'last-event-id': lastId },
    (event) => {
      next ??= event.id;
    },
  );
  result.parleyMs.push(ms);
  if (next === undefined || !isAfter(next, lastId)) {
    result.wrong++;
  }
}

/** Opens a fresh connection and times the request to its first event. */
function firstEventMs(
  url: string,
  headers: Record<string, string>,
  onFirst?: (event: EventSourceMessage) => void,
): Promise<number> {
  const sentAt = performance.now();
  const first = Promise.withResolvers<number>();
  const connection = openSse({ url, headers, agent: false }, (event, at) => {
    onFirst?.(event);
    first.resolve(at - sentAt);
    connection.close();
  });
  connection.done.then(
    () => first.reject(new Error(`no event from ${url}`)),
    (error: unknown) => first.reject(error),
  );
  return first.promise;
}

function isAfter(id: string, other: string): boolean {
  const [ms = 0, seq = 0] = id.split('-').map(Number);
  const [otherMs = 0, otherSeq = 0] = other.split('-').map(Number);
  return ms > otherMs || (ms === otherMs && seq > otherSeq);
}
