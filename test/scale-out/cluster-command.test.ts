import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { createScaleOut, scaleOutSkip } from '../helpers/scale-out.ts';
import { freePort } from '../helpers/spawn-parley.ts';
import { waitFor } from '../helpers/wait-for.ts';

const clusterFile = path.join(import.meta.dirname, '../../server/src/cluster.ts');

async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  server.listen(port, '127.0.0.1');
  // once() rejects on 'error': a port in use ends the wait as "not free".
  const outcome = await once(server, 'listening').then(
    () => true,
    () => false,
  );
  if (outcome) {
    server.close();
    await once(server, 'close');
  }
  return outcome;
}

/** The first of `count` consecutive free ports: the cluster command numbers its instances from PORT. */
async function freeConsecutivePorts(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await freePort();
    const rest = await Promise.all(
      Array.from({ length: count - 1 }, (_, index) => isFree(first + index + 1)),
    );
    if (rest.every(Boolean)) {
      return first;
    }
  }
  throw new Error(`no ${count} consecutive free ports`);
}

test('npm run cluster starts N instances on consecutive ports and stops them together', {
  skip: scaleOutSkip,
}, async () => {
  const scaleOut = await createScaleOut();
  const port = await freeConsecutivePorts(2);
  const cluster = spawn(process.execPath, [clusterFile, '--instances', '2'], {
    env: {
      ...process.env,
      ...scaleOut.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      JWT_SECRET: 'cluster-test-secret',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    for (const instancePort of [port, port + 1]) {
      await waitFor(async () => {
        const ready = await fetch(`http://127.0.0.1:${instancePort}/readyz`).catch(() => undefined);
        return ready?.ok ? true : undefined;
      }, 30_000);
    }
    const exited = once(cluster, 'exit');
    cluster.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));
  } finally {
    cluster.kill('SIGKILL');
    await scaleOut.cleanup();
  }
});

test('the cluster command refuses to start without shared state', async () => {
  const { DATABASE_URL: _database, REDIS_URL: _redis, ...env } = process.env;
  const cluster = spawn(process.execPath, [clusterFile], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  cluster.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = await once(cluster, 'exit');
  assert.equal(code, 2);
  assert.match(stderr, /DATABASE_URL/);
});
