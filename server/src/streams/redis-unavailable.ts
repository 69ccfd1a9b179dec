import { AppError } from '../app-error.ts';

/** A failed Redis command as the error a client sees: the stream log is a backing service that is down. */
export function redisUnavailable(error: unknown): AppError {
  return error instanceof AppError ? error : new AppError('SERVICE_UNAVAILABLE', { cause: error });
}
