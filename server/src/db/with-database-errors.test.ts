import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { AppError } from '../app-error.ts';
import { createDatabase } from './client.ts';
import { createRepositories } from './create-repositories.ts';

const isUnavailable = (error: unknown) => error instanceof AppError && error.code === 'SERVICE_UNAVAILABLE';

test('a refused connection is SERVICE_UNAVAILABLE', async () => {
  const port = await closedPort();
  const repositories = createRepositories(
    await createDatabase({
      databaseUrl: `postgres://postgres@127.0.0.1:${port}/parley`,
      dataDir: 'memory://',
    }),
  );
  try {
    await assert.rejects(repositories.ping(), isUnavailable);
    await assert.rejects(repositories.chats.listChats('owner', { limit: 5 }), isUnavailable);
  } finally {
    await repositories.close();
  }
});

test('a server that accepts but never answers is SERVICE_UNAVAILABLE within the connect timeout', async () => {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const address = silent.address();
  assert.ok(address && typeof address === 'object');
  const repositories = createRepositories(
    await createDatabase({
      databaseUrl: `postgres://postgres@127.0.0.1:${address.port}/parley`,
      dataDir: 'memory://',
    }),
  );
  try {
    const started = performance.now();
    await assert.rejects(repositories.messages.listStreaming('owner'), isUnavailable);
    assert.ok(performance.now() - started < 5000, 'fails fast instead of hanging');
  } finally {
    await repositories.close();
    for (const socket of sockets) {
      socket.destroy();
    }
    silent.close();
  }
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  await new Promise((resolve) => server.close(resolve));
  return address.port;
}
