import { randomBytes } from 'node:crypto';
import path from 'node:path';

/** Everything Parley reads from its environment, validated once at start. */
export interface Config {
  port: number;
  host: string;
  /** Where the embedded database lives when DATABASE_URL is unset. */
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  /** Prefix of every Redis key, so several deployments (or test runs) can share one Redis. */
  redisPrefix: string;
  jwtSecret: string;
  /** True when JWT_SECRET was not given and a random one was made: tokens die with the process. */
  jwtSecretGenerated: boolean;
  logLevel: string;
  bodyLimitBytes: number;
  streamTokenTtlSeconds: number;
  /** On SIGTERM, how long running answers may take to finish before they are saved as interrupted. */
  drainMs: number;
  generation: GenerationConfig;
  streamLog: { maxLength: number; ttlAfterEndMs: number };
  demo: DemoConfig;
}

export interface GenerationConfig {
  /** A text batch is appended once it holds this many characters... */
  batchMaxChars: number;
  /** ...or once this much time has passed since its first piece. */
  batchWindowMs: number;
  pingIntervalMs: number;
  defaultModel: string;
}

export interface DemoConfig {
  tokensPerSecond: number;
  firstTokenDelayMs: number;
}

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {}

function readInt(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
  }
  return value;
}

function readNumber(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new ConfigError(`${name} must be a number >= 0, got "${raw}"`);
  }
  return value;
}

function readString(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

export function loadConfig(env: Env = process.env): Config {
  const jwtSecret = readString(env, 'JWT_SECRET');
  return {
    port: readInt(env, 'PORT', 3000),
    host: readString(env, 'HOST') ?? '0.0.0.0',
    dataDir: path.resolve(readString(env, 'DATA_DIR') ?? './data'),
    databaseUrl: readString(env, 'DATABASE_URL'),
    redisUrl: readString(env, 'REDIS_URL'),
    redisPrefix: readString(env, 'REDIS_PREFIX') ?? 'parley:',
    jwtSecret: jwtSecret ?? randomBytes(32).toString('base64url'),
    jwtSecretGenerated: jwtSecret === undefined,
    logLevel: readString(env, 'LOG_LEVEL') ?? 'info',
    bodyLimitBytes: readInt(env, 'BODY_LIMIT_BYTES', 1024 * 1024, 1),
    streamTokenTtlSeconds: readInt(env, 'STREAM_TOKEN_TTL_SECONDS', 600, 1),
    drainMs: readInt(env, 'DRAIN_SECONDS', 30) * 1000,
    generation: {
      batchMaxChars: readInt(env, 'BATCH_MAX_CHARS', 256, 1),
      batchWindowMs: readInt(env, 'BATCH_WINDOW_MS', 20),
      pingIntervalMs: readInt(env, 'PING_INTERVAL_MS', 5000, 1),
      defaultModel: readString(env, 'DEFAULT_MODEL') ?? 'demo',
    },
    streamLog: {
      maxLength: readInt(env, 'STREAM_MAX_EVENTS', 10_000, 1),
      ttlAfterEndMs: readInt(env, 'STREAM_TTL_SECONDS', 3600, 1) * 1000,
    },
    demo: {
      tokensPerSecond: readNumber(env, 'DEMO_TOKENS_PER_SECOND', 40),
      firstTokenDelayMs: readInt(env, 'DEMO_FIRST_TOKEN_DELAY_MS', 300),
    },
  };
}
