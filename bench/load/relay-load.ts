import { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventSourceMessage } from 'eventsource-parser';
import { createChat } from './create-chats.ts';
import { openSse } from './open-sse.ts';
import { type ProcStats, watchProcesses } from './proc-stats.ts';
import { createReservoir } from './reservoir.ts';

/** Which door a relay stream goes through: the upstream itself, the bare node:http relay, or one of Parley's. */
export type RelayTarget = 'direct' | 'bare' | 'v1' | 'native';

export interface RelayJob {
  kind: 'relay';
  target: RelayTarget;
  /** The fake upstream for `direct`, the bare reference server for `bare`, Parley otherwise. */
  url: string;
  headers: Record<string, string>;
  model: string;
  concurrency: number;
  /** Workers start new streams until this long after the start... */
  roundMs: number;
  /** ...each after a random delay up to this, so arrivals spread over one stream's length. */
  rampMs: number;
  maxRequestsPerWorker: number;
  /** Every stream must deliver exactly this text; without it, any text will do. */
  expectedText?: string;
  /** Native target: the chats to answer in, one per stream, by worker; made as they are needed when absent. */
  chatIds?: string[];
  /** Native target: more fields of the message body (`maxTokens`...). */
  options?: Record<string, unknown>;
  watch: Record<string, number>;
}

export interface RelayResult {
  /** Request sent to first content token, each worker's first stream left out (it opens the connection). */
  ttftMs: number[];
  /** Between two content events, sampled. */
  gapMs: number[];
  totalMs: number[];
  completed: number;
  failed: number;
  firstError: string | undefined;
  /** Content characters that arrived between the end of the ramp and the end of the round. */
  windowChars: number;
  windowMs: number;
  watched: Record<string, ProcStats>;
  clientCpuMs: number;
}

const STREAM_TIMEOUT_MS = 60_000;

/** C workers, each running streams back to back through one target, for a bounded time and count. */
export async function runRelayLoad(job: RelayJob): Promise<RelayResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const ttft: number[] = [];
  const total: number[] = [];
  const gaps = createReservoir(20_000);
  const result = { completed: 0, failed: 0, firstError: undefined as string | undefined, windowChars: 0 };

  const clientCpu = process.cpuUsage();
  const watch = watchProcesses(job.watch);
  const startedAt = performance.now();
  const windowStart = startedAt + job.rampMs;
  const stopAt = startedAt + job.roundMs;

  /**
   * A native answer goes to a chat, which runs one answer at a time. Each worker is one conversation: its first
   * stream (never counted) makes the chat, off the clock, and the next ones follow in it, as a person's next
   * messages do, each with the conversation so far.
   */
  const workerChats = new Map<number, string>();
  async function chatFor(worker: number, index: number): Promise<string | undefined> {
    if (job.target !== 'native') {
      return undefined;
    }
    const given = job.chatIds?.[worker * job.maxRequestsPerWorker + index];
    if (given) {
      return given;
    }
    const chatId = workerChats.get(worker) ?? (await createChat(job.url, job.headers));
    workerChats.set(worker, chatId);
    return chatId;
  }

  async function runStream(worker: number, index: number): Promise<void> {
    const counted = index > 0;
    let chatId: string | undefined;
    try {
      chatId = await chatFor(worker, index);
    } catch (error) {
      result.failed++;
      result.firstError ??= String(error);
      return;
    }
    let text = '';
    let firstAt: number | undefined;
    let lastAt = 0;
    let ended = false;
    let failure: string | undefined;
    const sentAt = performance.now();
    const onContent = (content: string, at: number) => {
      if (firstAt === undefined) {
        firstAt = at;
        if (counted) {
          ttft.push(at - sentAt);
        }
      } else if (counted) {
        gaps.add(at - lastAt);
      }
      lastAt = at;
      text += content;
      if (at >= windowStart && at <= stopAt) {
        result.windowChars += content.length;
      }
    };
    const onEvent = (event: EventSourceMessage, at: number) => {
      const outcome = job.target === 'native' ? readNative(event) : readOpenAI(event);
      if (outcome.content) {
        onContent(outcome.content, at);
      }
      failure ??= outcome.error;
      ended ||= outcome.end;
    };
    const connection = openSse(streamRequest(job, chatId, agent), onEvent);
    const timeout = setTimeout(() => connection.close(), STREAM_TIMEOUT_MS);
    try {
      await connection.done;
    } catch (error) {
      failure ??= String(error);
    } finally {
      clearTimeout(timeout);
    }
    if (!failure && !ended) {
      failure = 'the stream closed before its end';
    }
    if (!failure && job.expectedText !== undefined && text !== job.expectedText) {
      failure = `text differs: got ${text.length} characters, expected ${job.expectedText.length}`;
    }
    if (!failure && text === '') {
      failure = 'no text';
    }
    if (failure) {
      result.failed++;
      result.firstError ??= failure;
      return;
    }
    result.completed++;
    if (counted) {
      total.push(lastAt - sentAt);
    }
  }

  async function runWorker(worker: number): Promise<void> {
    await sleep(Math.random() * job.rampMs);
    for (let index = 0; index < job.maxRequestsPerWorker && performance.now() < stopAt; index++) {
      await runStream(worker, index);
    }
  }

  await Promise.all(Array.from({ length: job.concurrency }, (_, worker) => runWorker(worker)));
  const watched = watch.stop();
  const cpu = process.cpuUsage(clientCpu);
  agent.destroy();
  return {
    ttftMs: ttft,
    gapMs: gaps.values(),
    totalMs: total,
    ...result,
    windowMs: job.roundMs - job.rampMs,
    watched,
    clientCpuMs: (cpu.user + cpu.system) / 1000,
  };
}

function streamRequest(job: RelayJob, chatId: string | undefined, agent: Agent) {
  if (job.target === 'native') {
    return {
      url: `${job.url}/api/chats/${chatId}/messages`,
      method: 'POST' as const,
      headers: job.headers,
      body: { content: 'Say something for the benchmark.', model: job.model, ...job.options },
      agent,
    };
  }
  return {
    url: `${job.url}/v1/chat/completions`,
    method: 'POST' as const,
    headers: job.headers,
    body: {
      model: job.model,
      stream: true,
      messages: [{ role: 'user', content: 'Say something for the benchmark.' }],
    },
    agent,
  };
}

interface Outcome {
  content?: string;
  error?: string;
  end: boolean;
}

function readOpenAI(event: EventSourceMessage): Outcome {
  if (event.data === '[DONE]') {
    return { end: true };
  }
  const chunk = JSON.parse(event.data) as {
    error?: { message?: string };
    choices?: { delta?: { content?: string | null } }[];
  };
  if (chunk.error) {
    return { error: `error chunk: ${chunk.error.message}`, end: false };
  }
  const content = chunk.choices?.[0]?.delta?.content;
  return content ? { content, end: false } : { end: false };
}

function readNative(event: EventSourceMessage): Outcome {
  if (event.event === 'text') {
    return { content: (JSON.parse(event.data) as { text: string }).text, end: false };
  }
  if (event.event === 'error') {
    return { error: `error event: ${event.data}`, end: false };
  }
  return { end: event.event === 'end' };
}
