import { createChats } from './create-chats.ts';
import { limitParallel } from './limit-parallel.ts';
import { startAnswer } from './start-answer.ts';
import { withTimeout } from './with-timeout.ts';

export interface StartAnswersJob {
  kind: 'start-answers';
  url: string;
  headers: Record<string, string>;
  model: string;
  count: number;
}

/**
 * Starts `count` native answers and leaves them running (their POSTs closed, which stops nothing): the live
 * streams that idle subscribers follow, or whose Redis footprint is read.
 */
export async function runStartAnswers(job: StartAnswersJob): Promise<{ streamIds: string[] }> {
  const chats = await createChats(job.url, job.headers, job.count);
  const streamIds: string[] = new Array(job.count);
  await limitParallel(job.count, 16, async (index) => {
    const answer = await withTimeout(
      startAnswer({
        url: job.url,
        headers: job.headers,
        chatId: chats[index] ?? '',
        body: { content: `Live stream ${index}.`, model: job.model },
      }),
      30_000,
      'the start of a live answer',
    );
    answer.connection.close();
    streamIds[index] = answer.streamId;
  });
  return { streamIds };
}
