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
  /** How long the response cache keeps an answer. */
  cacheTtlMs: number;
  /** On SIGTERM, how long running answers may take to finish before they are saved as interrupted. */
  drainMs: number;
  generation: GenerationConfig;
  /**
   * `maxEndedStreams` bounds the embedded log only (see MemoryStreamLogOptions); Redis keeps ended streams for
   * their TTL.
   */
  streamLog: { maxLength: number; ttlAfterEndMs: number; maxEndedStreams: number };
  demo: DemoConfig;
  sockets: SocketConfig;
}

export interface GenerationConfig {
  /** A text batch is appended once it holds this many characters... */
  batchMaxChars: number;
  /** ...or once this much time has passed since its first piece. */
  batchWindowMs: number;
  pingIntervalMs: number;
  defaultModel: string;
  /**
   * A generation's lease lasts this long and is renewed by every ping; once it runs out (its instance died),
   * another instance takes the answer over, checking every `reapIntervalMs`.
   */
  leaseTtlMs: number;
  reapIntervalMs: number;
  /** How long appends to an unreachable stream log are retried before the answer fails. */
  appendRetryMs: number;
  /** How long the final save is retried while the database is unreachable. */
  saveRetryMs: number;
  /** Message text this instance keeps of the chats it last answered in, so their next message needs no read. */
  chatCacheMaxChars: number;
}

/** Limits of the WebSocket control channel: socket.io `/chats` and plain `/ws`. */
export interface SocketConfig {
  /**
   * Browser origins allowed to open a socket besides the server's own. A browser always sends Origin on a
   * WebSocket handshake, so refusing foreign ones stops cross-site WebSocket hijacking.
   */
  allowedOrigins: string[];
  /** Largest message a socket may send; a bigger one closes the connection. */
  maxMessageBytes: number;
  /** Each socket may send `messages` messages per `windowSeconds`; the rest get RATE_LIMITED. */
  rateLimit: { messages: number; windowSeconds: number };
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

function readOrigins(env: Env, name: string): string[] {
  const raw = readString(env, name);
  const origins = raw?.split(',').map((origin) => origin.trim()) ?? [];
  for (const origin of origins) {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      throw new ConfigError(`${name} must list origins such as https://chat.example.com, got "${origin}"`);
    }
  }
  return origins;
}

function readString(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

export function loadConfig(env: Env = process.env): Config {
  const config = readConfig(env);
  if (config.generation.pingIntervalMs >= config.generation.leaseTtlMs) {
    throw new ConfigError('PING_INTERVAL_MS must be shorter than LEASE_TTL_MS: pings renew the lease.');
  }
  return config;
}

function readConfig(env: Env): Config {
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
    cacheTtlMs: readInt(env, 'CACHE_TTL_SECONDS', 3600, 1) * 1000,
    generation: {
      batchMaxChars: readInt(env, 'BATCH_MAX_CHARS', 256, 1),
      batchWindowMs: readInt(env, 'BATCH_WINDOW_MS', 20),
      pingIntervalMs: readInt(env, 'PING_INTERVAL_MS', 5000, 1),
      defaultModel: readString(env, 'DEFAULT_MODEL') ?? 'demo',
      leaseTtlMs: readInt(env, 'LEASE_TTL_MS', 8000, 1),
      reapIntervalMs: readInt(env, 'REAP_INTERVAL_MS', 2000, 1),
      appendRetryMs: readInt(env, 'APPEND_RETRY_MS', 10_000),
      saveRetryMs: readInt(env, 'SAVE_RETRY_MS', 30_000),
      chatCacheMaxChars: readInt(env, 'CHAT_CACHE_MAX_CHARS', 16_000_000),
    },
    streamLog: {
      maxLength: readInt(env, 'STREAM_MAX_EVENTS', 10_000, 1),
      ttlAfterEndMs: readInt(env, 'STREAM_TTL_SECONDS', 3600, 1) * 1000,
      maxEndedStreams: readInt(env, 'STREAM_MEMORY_MAX_ENDED', 1000, 1),
    },
    demo: {
      tokensPerSecond: readNumber(env, 'DEMO_TOKENS_PER_SECOND', 40),
      firstTokenDelayMs: readInt(env, 'DEMO_FIRST_TOKEN_DELAY_MS', 300),
    },
    sockets: {
      allowedOrigins: readOrigins(env, 'ALLOWED_ORIGINS'),
      maxMessageBytes: readInt(env, 'SOCKET_MAX_MESSAGE_BYTES', 64 * 1024, 1),
      rateLimit: {
        messages: readInt(env, 'SOCKET_RATE_LIMIT', 30, 1),
        windowSeconds: readInt(env, 'SOCKET_RATE_WINDOW_SECONDS', 10, 1),
      },
    },
  };
}
