import type { BenchContext } from './bench-context.ts';
import type { ParleyProcess } from './start-parley.ts';

export interface InstancePair {
  a: ParleyProcess;
  b: ParleyProcess;
  /** The Redis key prefix both share. */
  prefix: string;
  stop(): Promise<void>;
}

/** Two Parley processes on one database and one Redis, as `npm run cluster` runs them. */
export async function startInstancePair(
  ctx: BenchContext,
  name: string,
  env: Record<string, string>,
): Promise<InstancePair> {
  if (!ctx.redisUrl) {
    throw new Error('REDIS_URL is not set');
  }
  const database = await ctx.newDatabase();
  const prefix = ctx.newRedisPrefix();
  const shared = { ...database.env, REDIS_URL: ctx.redisUrl, REDIS_PREFIX: prefix, ...env };
  const a = await ctx.startParley(`${name}-a`, shared);
  const b = await ctx.startParley(`${name}-b`, shared).catch(async (error: unknown) => {
    await a.stop();
    throw error;
  });
  return {
    a,
    b,
    prefix,
    async stop() {
      await Promise.all([a.stop(), b.stop()]);
    },
  };
}
