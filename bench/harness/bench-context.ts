import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createScratchPostgresDatabase } from '../../server/src/db/test-database.ts';
import { deleteKeys } from '../../server/src/testing/test-redis.ts';
import { fakeOpenAIEnv } from '../../test/fakes/fake-openai-server.ts';
import type { BenchOptions } from '../bench-options.ts';
import type { BenchPlan, UpstreamShape } from '../bench-plan.ts';
import { forkWorker } from '../ipc/fork-worker.ts';
import type { LoadJob } from '../processes/load-client-process.ts';
import { type ParleyProcess, startParley } from './start-parley.ts';

const processes = path.resolve(import.meta.dirname, '../processes');

/** A database for one Parley (or for several sharing it). */
export interface DatabaseEngine {
  kind: 'postgres' | 'pglite';
  /** The variables that point Parley at it. */
  env: Record<string, string>;
  /** PostgreSQL only: its URL and name, for reading its statistics. */
  url?: string;
  name?: string;
}

export interface BenchContext {
  options: BenchOptions;
  plan: BenchPlan;
  /** The fake OpenAI upstream, in its own process. */
  upstream: { url: string; pid: number; setShape(shape: UpstreamShape): Promise<void> };
  /** The bare node:http reference server, in its own process. */
  bare: { url: string; pid: number };
  /** Sends one job to the load client process and waits for its result. */
  load<Result>(job: LoadJob): Promise<Result>;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  /**
   * A fresh database: a scratch PostgreSQL database when DATABASE_URL is set, else PGlite in a temp dir.
   * `embedded` asks for PGlite whatever is set; `require: 'postgres'` fails without DATABASE_URL.
   */
  newDatabase(options?: { require?: 'postgres'; embedded?: boolean }): Promise<DatabaseEngine>;
  /** A Redis key prefix of this run; every key under it is deleted at the end. */
  newRedisPrefix(): string;
  /**
   * A bare reference server of its own, for figures (memory) that a used process would blur. It runs with
   * --expose-gc and answers `GET /gc` with a full collection.
   */
  startBare(): Promise<{ url: string; pid: number; stop(): Promise<void> }>;
  /**
   * Starts a Parley process wired to the fake upstream as model `local/fake-model`. With `inspect`, it opens
   * the inspector on loopback, so a memory figure can ask for a full collection first.
   */
  startParley(
    name: string,
    env: Record<string, string>,
    options?: { inspect?: boolean },
  ): Promise<ParleyProcess>;
  progress(message: string): void;
}

/** Starts the reference processes and the load client, and undoes everything the run created on `close`. */
export async function createBenchContext(
  options: BenchOptions,
  plan: BenchPlan,
): Promise<BenchContext & { close(keepLogs: boolean): Promise<void> }> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'parley-bench-'));
  const upstream = await forkWorker<{ url: string }>(path.join(processes, 'fake-upstream-process.ts'));
  const bare = await forkWorker<{ url: string }>(path.join(processes, 'bare-sse-process.ts'));
  const load = await forkWorker<object>(path.join(processes, 'load-client-process.ts'));
  const parleys: ParleyProcess[] = [];
  const drops: (() => Promise<void>)[] = [];
  const prefixes: string[] = [];
  let pgliteDirs = 0;
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const redisUrl = process.env.REDIS_URL || undefined;

  return {
    options,
    plan,
    upstream: {
      url: upstream.ready.url,
      pid: upstream.pid,
      async setShape(shape) {
        await upstream.call({ kind: 'scenario', scenario: shape });
      },
    },
    bare: { url: bare.ready.url, pid: bare.pid },
    load: (job) => load.call(job),
    databaseUrl,
    redisUrl,

    async newDatabase(request): Promise<DatabaseEngine> {
      if (databaseUrl && !request?.embedded) {
        const scratch = await createScratchPostgresDatabase(databaseUrl);
        drops.push(scratch.drop);
        return {
          kind: 'postgres',
          env: { DATABASE_URL: scratch.url },
          url: scratch.url,
          name: new URL(scratch.url).pathname.slice(1),
        };
      }
      if (request?.require === 'postgres') {
        throw new Error('DATABASE_URL is not set');
      }
      return { kind: 'pglite', env: { DATA_DIR: path.join(workDir, `pglite-${pgliteDirs++}`) } };
    },

    newRedisPrefix() {
      const prefix = `parley-bench-${randomBytes(5).toString('hex')}:`;
      prefixes.push(prefix);
      return prefix;
    },

    async startBare() {
      const fresh = await forkWorker<{ url: string }>(path.join(processes, 'bare-sse-process.ts'), {
        execArgv: ['--expose-gc'],
      });
      return { url: fresh.ready.url, pid: fresh.pid, stop: () => fresh.stop() };
    },

    async startParley(name, env, startOptions) {
      const parley = await startParley({
        name,
        inspect: startOptions?.inspect ?? false,
        logFile: path.join(workDir, `${name}.log`),
        cpuProfDir: options.cpuProfDir && path.resolve(options.cpuProfDir),
        env: { ...fakeOpenAIEnv(upstream.ready.url), ...env },
      });
      parleys.push(parley);
      return parley;
    },

    progress(message) {
      process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
    },

    async close(keepLogs) {
      await Promise.allSettled(parleys.map((parley) => parley.stop()));
      await Promise.allSettled([load.stop(), bare.stop(), upstream.stop()]);
      for (const drop of drops) {
        await drop().catch((error: unknown) => console.error('could not drop a scratch database:', error));
      }
      if (redisUrl && prefixes.length > 0) {
        for (const prefix of prefixes) {
          await deleteKeys(redisUrl, prefix).catch((error: unknown) =>
            console.error('could not delete the bench keys from Redis:', error),
          );
        }
      }
      if (keepLogs) {
        console.error(`Parley's logs of this run are in ${workDir}`);
      } else {
        await rm(workDir, { recursive: true, force: true });
      }
    },
  };
}
