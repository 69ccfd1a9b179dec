import { AppError } from '../app-error.ts';

// SQLSTATEs that say the server cannot answer now: connection exceptions (class 08), shutdown and restart
// (57P01-57P03), no free connection slot (53300), and a statement cancelled by statement_timeout (57014).
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300|57014)$/;
const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);
// node-postgres reports its own timeouts and lost sockets with messages only.
const UNAVAILABLE_MESSAGE =
  /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error)/;

/** The error and its causes: drivers' errors arrive wrapped (DrizzleQueryError, AggregateError). */
function* chainOf(error: unknown): Generator<unknown> {
  const pending = [error];
  for (let seen = 0; pending.length > 0 && seen < 10; seen++) {
    const current = pending.shift();
    yield current;
    if (current instanceof AggregateError) {
      pending.push(...current.errors);
    }
    if (current instanceof Error && current.cause !== undefined) {
      pending.push(current.cause);
    }
  }
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isDatabaseUnavailable(error: unknown): boolean {
  for (const link of chainOf(error)) {
    const code = codeOf(link);
    if (code !== undefined && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_SOCKET_CODES.has(code))) {
      return true;
    }
    if (link instanceof Error && UNAVAILABLE_MESSAGE.test(link.message)) {
      return true;
    }
  }
  return false;
}

/** The name of the unique index or constraint a write violated, if that is why it failed. */
export function violatedUniqueConstraint(error: unknown): string | undefined {
  for (const link of chainOf(error)) {
    if (codeOf(link) === '23505') {
      const constraint = (link as { constraint?: unknown }).constraint;
      return typeof constraint === 'string' ? constraint : undefined;
    }
  }
  return undefined;
}

/**
 * Wraps every method of a repository so that a database that is down or unreachable surfaces as
 * SERVICE_UNAVAILABLE (HTTP 503) instead of INTERNAL; other errors pass through unchanged.
 */
export function withDatabaseErrors<T extends object>(methods: T): T {
  const guarded: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(methods)) {
    const call = method as (...args: unknown[]) => Promise<unknown>;
    guarded[name] = async (...args: unknown[]) => {
      try {
        return await call(...args);
      } catch (error) {
        throw isDatabaseUnavailable(error) ? new AppError('SERVICE_UNAVAILABLE', { cause: error }) : error;
      }
    };
  }
  return guarded as T;
}
