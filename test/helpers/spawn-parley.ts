import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';
import { waitFor } from './wait-for.ts';

const mainFile = path.join(import.meta.dirname, '../../server/src/main.ts');

export interface SpawnedParley {
  url: string;
  child: ChildProcess;
  /** Sends a signal and resolves with the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A port that was free a moment ago, for a child process that must be told its port up front. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Resolves once `url` answers /readyz; rejects with `exitMessage()` if the process exits first. */
export async function waitUntilReady(
  url: string,
  exited: Promise<unknown>,
  exitMessage: () => string,
): Promise<void> {
  await Promise.race([
    waitFor(async () => {
      const ready = await fetch(`${url}/readyz`).catch(() => undefined);
      return ready?.ok ? true : undefined;
    }, 30_000),
    exited.then(() => {
      throw new Error(exitMessage());
    }),
  ]);
}

/** Starts `server/src/main.ts` as its own process, as `npm start` would, and waits until it is ready. */
export async function spawnParley(env: Record<string, string>): Promise<SpawnedParley> {
  const port = await freePort();
  const { DATABASE_URL: _db, REDIS_URL: _redis, ...inherited } = process.env;
  const child = spawn(process.execPath, [mainFile], {
    env: {
      ...inherited,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      JWT_SECRET: 'spawned-parley-test-secret-0123456789',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = once(child, 'exit');
  await waitUntilReady(url, exited, () => `parley exited during start with ${child.exitCode}`);
  return {
    url,
    child,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        await exited;
      }
      return child.exitCode;
    },
  };
}
