import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createApp } from './app.ts';
import { createMemoryBus } from './bus/memory-bus.ts';
import { createRedisBus } from './bus/redis-bus.ts';
import { createMemoryResponseCache } from './cache/memory-response-cache.ts';
import { createRedisResponseCache } from './cache/redis-response-cache.ts';
import { loadConfig } from './config.ts';
import { createDatabase } from './db/client.ts';
import { createRepositories } from './db/create-repositories.ts';
import { migrate } from './db/migrate.ts';
import { streamAliasOfKey } from './generation/stream-alias.ts';
import { createMemoryLeaseStore } from './leases/memory-lease-store.ts';
import { createRedisLeaseStore } from './leases/redis-lease-store.ts';
import { createDemoProvider } from './providers/demo/demo-provider.ts';
import { createModelCatalog } from './providers/model-catalog.ts';
import { createModelRegistry } from './providers/model-registry.ts';
import { countTokens } from './providers/tokenizer.ts';
import { createMemoryStreamLog } from './streams/memory-stream-log.ts';
import { createRedisStreamLog } from './streams/redis-stream-log.ts';
import type { StreamLog } from './streams/stream-log.ts';

// The only file that names concrete engines: everything else sees interfaces.
const config = loadConfig();
const logger = pino({ level: config.logLevel });
if (config.jwtSecretGenerated) {
  logger.warn('JWT_SECRET is not set: using a random one, so tokens stop working when the process restarts');
}

const database = await createDatabase({
  ...(config.databaseUrl && { databaseUrl: config.databaseUrl }),
  dataDir: config.dataDir,
  // The error carries its whole pg client; the message and code are what an operator needs.
  onConnectionError: (error) =>
    logger.warn(
      { message: error.message, code: (error as { code?: string }).code },
      'database connection lost',
    ),
});
await migrate(database);
const repositories = createRepositories(database);
if (database.kind === 'pglite') {
  // An embedded database belongs to this one process, so an answer still marked streaming was cut off when
  // the previous process died.
  const interrupted = await repositories.messages.interruptStreaming(new Date());
  if (interrupted > 0) {
    logger.info({ interrupted }, 'marked answers of the previous run as interrupted');
  }
}

const redis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 3 }) : undefined;
redis?.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
const streamLog: StreamLog = redis
  ? createRedisStreamLog({
      redis,
      prefix: config.redisPrefix,
      // Generation keys carry their own hash tag (generation/stream-key.ts), and so do their aliases.
      keyOf: (key) => `${config.redisPrefix}${key}`,
      onError: (error) => logger.warn({ err: error }, 'stream log reader error'),
      ...config.streamLog,
      aliasOf: streamAliasOfKey,
    })
  : createMemoryStreamLog({ ...config.streamLog, aliasOf: streamAliasOfKey });
// The adapter speaks ioredis as well as `redis`, so it shares our client; it duplicates it for its blocking reads.
const socketAdapter =
  redis &&
  createAdapter(redis, {
    streamName: `${config.redisPrefix}socket.io`,
    channelPrefix: `${config.redisPrefix}socket.io`,
    sessionKeyPrefix: `${config.redisPrefix}socket.io:session:`,
  });

const instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
const bus = redis
  ? createRedisBus({
      redis,
      prefix: config.redisPrefix,
      onError: (error) => logger.warn({ err: error }, 'bus error'),
    })
  : createMemoryBus();
const leases = redis
  ? createRedisLeaseStore({
      redis,
      prefix: config.redisPrefix,
      instanceId,
      ttlMs: config.generation.leaseTtlMs,
    })
  : createMemoryLeaseStore();

const cache = redis
  ? createRedisResponseCache({
      redis,
      prefix: config.redisPrefix,
      ttlMs: config.cacheTtlMs,
      onError: (error) => logger.warn({ err: error }, 'response cache error'),
    })
  : createMemoryResponseCache({ maxEntries: 10_000, ttlMs: config.cacheTtlMs });

const registry = createModelRegistry(process.env, { demo: createDemoProvider(config.demo) });
const parley = await createApp({
  config,
  repositories,
  streamLog,
  models: createModelCatalog(registry),
  bus,
  leases,
  cache,
  countTokens,
  logger,
  ...(socketAdapter && { socketAdapter }),
});

await parley.app.listen({ host: config.host, port: config.port });
logger.info(
  {
    database: database.kind,
    streamLog: redis ? 'redis' : 'memory',
    url: `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`,
  },
  'Parley is listening',
);

const SHUTDOWN_GRACE_MS = 10_000;
let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) {
    return;
  }
  stopping = true;
  logger.info({ signal }, 'shutting down');
  // A connection that never closes must not keep a stopping instance alive past its drain.
  setTimeout(() => {
    logger.error('shutdown did not finish in time; exiting');
    process.exit(1);
  }, config.drainMs + SHUTDOWN_GRACE_MS).unref();
  await parley.shutdown(config.drainMs);
  await bus.close();
  redis?.disconnect();
  await database.close();
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
