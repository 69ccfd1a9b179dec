import { randomUUID } from 'node:crypto';
import { createChat } from './create-chats.ts';
import { limitParallel } from './limit-parallel.ts';
import { assertLoopback, countSse, type SseConnection } from './open-sse.ts';
import { type ProcStats, watchProcesses } from './proc-stats.ts';
import { startAnswer } from './start-answer.ts';

export interface FanOutJob {
  kind: 'fan-out';
  /** `parley`: one native answer followed over GET /api/streams/:id. `bare`: the reference's broadcast. */
  server: 'parley' | 'bare';
  url: string;
  headers: Record<string, string>;
  model: string;
  subscribers: number;
  /** For `bare`: the upstream stream it relays, as Parley would. */
  upstream: { url: string; body: unknown; headers: Record<string, string> };
  timeoutMs: number;
  watch: Record<string, number>;
}

export interface FanOutResult {
  /** Events delivered to all subscribers together (the start event excluded). */
  events: number;
  /** From the first event any subscriber got to the last event the last subscriber got. */
  deliveryMs: number;
  /** How long opening every subscriber took. */
  connectMs: number;
  /** True when events began before every subscriber was open: the round does not count. */
  startedEarly: boolean;
  /** Subscribers that did not get the same number of events as the others, or no end. */
  incomplete: number;
  eventsPerSubscriber: number;
  watched: Record<string, ProcStats>;
  clientCpuMs: number;
}

const CONNECT_PARALLEL = 256;

/** Opens N subscribers on one stream, lets the source run, and counts what every subscriber receives. */
export async function runFanOutLoad(job: FanOutJob): Promise<FanOutResult> {
  assertLoopback(job.url);
  const counts = new Uint32Array(job.subscribers);
  const ended = new Uint8Array(job.subscribers);
  let firstAt = Number.POSITIVE_INFINITY;
  let lastAt = 0;
  const onEvents = (index: number) => (events: number, at: number) => {
    counts[index] = (counts[index] ?? 0) + events;
    firstAt = Math.min(firstAt, at);
    lastAt = Math.max(lastAt, at);
  };

  const source = await openSource(job);
  const connections: SseConnection[] = new Array(job.subscribers);
  const connectStart = performance.now();
  await limitParallel(job.subscribers, CONNECT_PARALLEL, async (index) => {
    const connection = countSse({ ...source.subscribe(), agent: false }, onEvents(index));
    connections[index] = connection;
    // Both servers end the response after the `end` event, and only then.
    connection.done.then(
      () => {
        ended[index] = 1;
      },
      () => undefined,
    );
    await connection.opened;
  });
  const connectedAt = performance.now();
  const clientCpu = process.cpuUsage();
  const watch = watchProcesses(job.watch);
  await source.go();

  let timedOut = false;
  const timeout = setTimeout(() => {
    timedOut = true;
    for (const connection of connections) {
      connection.close();
    }
  }, job.timeoutMs);
  await Promise.allSettled(connections.map((connection) => connection.done));
  clearTimeout(timeout);
  const watched = watch.stop();
  const cpu = process.cpuUsage(clientCpu);

  const expected = Math.max(...counts);
  let events = 0;
  let incomplete = 0;
  for (let index = 0; index < job.subscribers; index++) {
    events += counts[index] ?? 0;
    if (counts[index] !== expected || ended[index] !== 1 || timedOut) {
      incomplete++;
    }
  }
  return {
    events,
    deliveryMs: lastAt - firstAt,
    connectMs: connectedAt - connectStart,
    startedEarly: firstAt < connectedAt,
    incomplete,
    eventsPerSubscriber: expected,
    watched,
    clientCpuMs: (cpu.user + cpu.system) / 1000,
  };
}

interface Source {
  subscribe(): { url: string; headers: Record<string, string> };
  /** Starts the events, for a source that waits for them. */
  go(): Promise<void>;
}

async function openSource(job: FanOutJob): Promise<Source> {
  if (job.server === 'bare') {
    const channel = randomUUID();
    return {
      subscribe: () => ({ url: `${job.url}/subscribe/${channel}`, headers: {} }),
      async go() {
        const response = await fetch(`${job.url}/broadcast/${channel}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(job.upstream),
        });
        if (response.status !== 202) {
          throw new Error(`broadcast: ${response.status}`);
        }
      },
    };
  }
  // The answer starts now; the fake upstream holds its first token long enough for every subscriber to open.
  const chatId = await createChat(job.url, job.headers);
  const answer = await startAnswer({
    url: job.url,
    headers: job.headers,
    chatId,
    body: { content: 'Fan this out.', model: job.model },
  });
  // The bare server has no such extra reader; the answer goes on without it.
  answer.connection.close();
  return {
    subscribe: () => ({
      url: `${job.url}/api/streams/${answer.streamId}`,
      headers: { ...job.headers, 'last-event-id': answer.startEventId },
    }),
    go: async () => undefined,
  };
}
