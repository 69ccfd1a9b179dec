import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { freePort, waitUntilReady } from '../../test/helpers/spawn-parley.ts';

const mainFile = path.resolve(import.meta.dirname, '../../server/src/main.ts');
const STOP_TIMEOUT_MS = 15_000;

export interface ParleyProcess {
  name: string;
  url: string;
  pid: number;
  /** The inspector's WebSocket URL, when started with `inspect`. */
  inspectorUrl: string | undefined;
  /** SIGTERM, then SIGKILL if it has not gone in time (a --cpu-prof profile is written on a clean exit). */
  stop(): Promise<void>;
}

/**
 * Runs `server/src/main.ts` as its own process on a free loopback port, as `npm start` would, with its logs
 * in `logFile`, and waits until /readyz answers.
 */
export async function startParley(input: {
  name: string;
  env: Record<string, string>;
  logFile: string;
  cpuProfDir: string | undefined;
  inspect: boolean;
}): Promise<ParleyProcess> {
  const port = await freePort();
  const { DATABASE_URL: _database, REDIS_URL: _redis, ...inherited } = process.env;
  const profile = input.cpuProfDir
    ? ['--cpu-prof', '--cpu-prof-dir', input.cpuProfDir, '--cpu-prof-name', `${input.name}.cpuprofile`]
    : [];
  const inspect = input.inspect ? ['--inspect=127.0.0.1:0'] : [];
  const log = createWriteStream(input.logFile, { flags: 'a' });
  const child = spawn(process.execPath, [...profile, ...inspect, mainFile], {
    env: {
      ...inherited,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      JWT_SECRET: 'parley-bench-secret-0123456789abcdef',
      DRAIN_SECONDS: '1',
      ...input.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let inspectorUrl: string | undefined;
  if (input.inspect) {
    let head = '';
    child.stderr.on('data', function find(chunk: Buffer) {
      head += chunk.toString('utf8');
      inspectorUrl = /Debugger listening on (ws:\/\/\S+)/.exec(head)?.[1];
      if (inspectorUrl) {
        child.stderr.off('data', find);
      }
    });
  }
  const url = `http://127.0.0.1:${port}`;
  const exited = once(child, 'exit');
  await waitUntilReady(url, exited, () => `parley "${input.name}" exited during start; see ${input.logFile}`);
  return {
    name: input.name,
    url,
    pid: child.pid as number,
    inspectorUrl,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) {
        return;
      }
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
