import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApp, type Parley } from '../../server/src/app.ts';
import { createMemoryBus } from '../../server/src/bus/memory-bus.ts';
import { createMemoryResponseCache } from '../../server/src/cache/memory-response-cache.ts';
import type { GenerationConfig, SocketConfig } from '../../server/src/config.ts';
import type { Repositories } from '../../server/src/db/repository.ts';
import { createTestDatabase, type TestDatabase } from '../../server/src/db/test-database.ts';
import { streamAliasOfKey } from '../../server/src/generation/stream-alias.ts';
import { createMemoryLeaseStore } from '../../server/src/leases/memory-lease-store.ts';
import { createDemoProvider } from '../../server/src/providers/demo/demo-provider.ts';
import { createModelCatalog } from '../../server/src/providers/model-catalog.ts';
import { createModelRegistry } from '../../server/src/providers/model-registry.ts';
import { countTokens } from '../../server/src/providers/tokenizer.ts';
import { createMemoryStreamLog } from '../../server/src/streams/memory-stream-log.ts';
import type { StreamLog } from '../../server/src/streams/stream-log.ts';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256';

export interface StartOptions {
  demo?: { tokensPerSecond?: number; firstTokenDelayMs?: number };
  generation?: Partial<GenerationConfig>;
  sockets?: Partial<SocketConfig>;
  streamLog?: {
    maxLength?: number;
    ttlAfterEndMs?: number;
    now?: () => number;
    /** Stands in front of the in-process log: a test makes some of its calls fail. */
    wrap?: (log: StreamLog) => StreamLog;
  };
  now?: () => Date;
  newId?: () => string;
  env?: Record<string, string>;
  /** PostgreSQL on DATABASE_URL's server (a scratch database), for tests that hold its locks; PGlite by default. */
  engine?: 'pglite' | 'postgres';
}

export interface RunningParley {
  url: string;
  parley: Parley;
  repositories: Repositories;
  database: TestDatabase;
  streamLog: StreamLog;
  close(): Promise<void>;
}

/** A real Parley on a random loopback port: in-memory PGlite, the in-process stream log, the demo model. */
export async function startParley(options: StartOptions = {}): Promise<RunningParley> {
  const database = await createTestDatabase({ engine: options.engine ?? 'pglite' });
  const memoryLog = createMemoryStreamLog({
    maxLength: options.streamLog?.maxLength ?? 10_000,
    ttlAfterEndMs: options.streamLog?.ttlAfterEndMs ?? 60_000,
    ...(options.streamLog?.now && { now: options.streamLog.now }),
    aliasOf: streamAliasOfKey,
  });
  const streamLog = options.streamLog?.wrap?.(memoryLog) ?? memoryLog;
  const demo = createDemoProvider({ tokensPerSecond: 0, firstTokenDelayMs: 0, ...options.demo });
  const registry = createModelRegistry(options.env ?? {}, { demo });
  const parley = await createApp({
    config: {
      bodyLimitBytes: 64 * 1024,
      jwtSecret: TEST_JWT_SECRET,
      streamTokenTtlSeconds: 600,
      generation: {
        batchMaxChars: 256,
        batchWindowMs: 10,
        pingIntervalMs: 60_000,
        defaultModel: 'demo',
        leaseTtlMs: 120_000,
        reapIntervalMs: 60_000,
        appendRetryMs: 2000,
        saveRetryMs: 2000,
        chatCacheMaxChars: 1_000_000,
        ...options.generation,
      },
      sockets: {
        allowedOrigins: [],
        maxMessageBytes: 64 * 1024,
        rateLimit: { messages: 1000, windowSeconds: 10 },
        ...options.sockets,
      },
    },
    repositories: database.repositories,
    streamLog,
    models: createModelCatalog(registry),
    bus: createMemoryBus(),
    cache: createMemoryResponseCache({ maxEntries: 1000 }),
    leases: createMemoryLeaseStore(),
    countTokens,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    ...(options.now && { now: options.now }),
    ...(options.newId && { newId: options.newId }),
  });
  await parley.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = parley.app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    parley,
    repositories: database.repositories,
    database,
    streamLog,
    async close() {
      await parley.shutdown(5000);
      await database.cleanup();
    },
  };
}

/** Headers of a fresh anonymous principal. */
export function anonymous(anonId: string = randomUUID()): Record<string, string> {
  return { 'x-anon-id': anonId };
}

export function json(body: unknown, headers: Record<string, string>): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

export async function createChat(
  url: string,
  headers: Record<string, string>,
  body: object = {},
): Promise<string> {
  const response = await fetch(`${url}/api/chats`, json(body, headers));
  if (response.status !== 201) {
    throw new Error(`create chat: ${response.status} ${await response.text()}`);
  }
  return ((await response.json()) as { id: string }).id;
}
