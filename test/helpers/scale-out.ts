import { randomBytes } from 'node:crypto';
import { createScratchPostgresDatabase } from '../../server/src/db/test-database.ts';
import { deleteKeys } from '../../server/src/testing/test-redis.ts';
import { type SpawnedParley, spawnParley } from './spawn-parley.ts';

export const databaseServerUrl = process.env.DATABASE_URL;
export const redisUrl = process.env.REDIS_URL;
/** Why a scale-out suite cannot run here, or undefined when it can. */
export const scaleOutSkip =
  databaseServerUrl && redisUrl
    ? undefined
    : 'DATABASE_URL and REDIS_URL are needed for multi-instance tests';

export interface ScaleOut {
  /** Environment every instance of this run shares: its own database and Redis key prefix. */
  env: Record<string, string>;
  databaseUrl: string;
  redisPrefix: string;
  start(extra?: Record<string, string>): Promise<SpawnedParley>;
  cleanup(): Promise<void>;
}

/** A scratch PostgreSQL database and Redis prefix, and a way to start Parley instances sharing them. */
export async function createScaleOut(base: Record<string, string> = {}): Promise<ScaleOut> {
  if (!databaseServerUrl || !redisUrl) {
    throw new Error(scaleOutSkip);
  }
  const database = await createScratchPostgresDatabase(databaseServerUrl);
  const redisPrefix = `parley-test-${randomBytes(4).toString('hex')}:`;
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: redisPrefix,
    DEMO_FIRST_TOKEN_DELAY_MS: '0',
    ...base,
  };
  const instances: SpawnedParley[] = [];
  return {
    env,
    databaseUrl: database.url,
    redisPrefix,
    async start(extra = {}) {
      const instance = await spawnParley({ ...env, ...extra });
      instances.push(instance);
      return instance;
    },
    async cleanup() {
      await Promise.all(instances.map((instance) => instance.stop('SIGKILL')));
      await deleteKeys(redisUrl, redisPrefix);
      await database.drop();
    },
  };
}
