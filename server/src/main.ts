import { Redis } from 'ioredis';
import pino from 'pino';
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';
import { createDatabase } from './db/client.ts';
import { createRepositories } from './db/create-repositories.ts';
import { migrate } from './db/migrate.ts';
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
  onConnectionError: (error) => logger.warn({ err: error }, 'database connection lost'),
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
  ? createRedisStreamLog({ redis, prefix: config.redisPrefix, ...config.streamLog })
  : createMemoryStreamLog(config.streamLog);

const registry = createModelRegistry(process.env, { demo: createDemoProvider(config.demo) });
const parley = await createApp({
  config,
  repositories,
  streamLog,
  models: createModelCatalog(registry),
  countTokens,
  logger,
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

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) {
    return;
  }
  stopping = true;
  logger.info({ signal }, 'shutting down');
  await parley.shutdown(config.drainMs);
  await streamLog.close();
  redis?.disconnect();
  await database.close();
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
