import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { withTimeout } from '../load/with-timeout.ts';
import type { ReplyMessage, RequestMessage } from './messages.ts';

export interface Worker<Ready> {
  pid: number;
  /** What the worker announced when it became ready (its URL, for a server). */
  ready: Ready;
  /**
   * Sends one request and resolves with the worker's answer; rejects with the worker's error, or when no
   * answer came within CALL_TIMEOUT_MS (every job is bounded well below it).
   */
  call<Result>(request: unknown): Promise<Result>;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;
const CALL_TIMEOUT_MS = 15 * 60_000;

/**
 * Runs a bench process (`bench/processes/*.ts`) as a child of its own, so it never shares an event loop with
 * Parley or another measured process, and talks to it over IPC.
 */
export async function forkWorker<Ready>(
  file: string,
  options: { env?: Record<string, string>; execArgv?: string[] } = {},
): Promise<Worker<Ready>> {
  const child = fork(file, [], {
    env: { ...process.env, ...options.env },
    execArgv: options.execArgv ?? [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  const ready = await waitReady<Ready>(child, file);
  child.on('message', (message: ReplyMessage) => {
    const waiter = pending.get(message.id);
    if (!waiter) {
      return;
    }
    pending.delete(message.id);
    if (message.error !== undefined) {
      waiter.reject(new Error(`${file}: ${message.error}`));
    } else {
      waiter.resolve(message.result);
    }
  });
  child.on('exit', (code, signal) => {
    for (const waiter of pending.values()) {
      waiter.reject(new Error(`${file} exited (${code ?? signal}) with a request in flight`));
    }
    pending.clear();
  });

  return {
    pid: child.pid as number,
    ready,
    call<Result>(request: unknown) {
      const id = nextId++;
      const answered = new Promise<Result>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ id, request } satisfies RequestMessage);
      });
      return withTimeout(answered, CALL_TIMEOUT_MS, `${file}: a request`).finally(() => pending.delete(id));
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

async function waitReady<Ready>(child: ChildProcess, file: string): Promise<Ready> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<Ready>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${file} did not start in time`)), START_TIMEOUT_MS);
      child.once('message', (message: { ready: Ready }) => resolve(message.ready));
      child.once('exit', (code) => reject(new Error(`${file} exited during start with ${code}`)));
    });
  } finally {
    clearTimeout(timer);
  }
}
