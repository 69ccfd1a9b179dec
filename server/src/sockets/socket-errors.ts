import type { FastifyBaseLogger } from 'fastify';
import type { ExtendedError } from 'socket.io';
import type { ControlError } from '../../../protocol/control.ts';
import { type AppError, toAppError } from '../app-error.ts';

/** Any thrown value as a coded error for a client; what the client did not cause is logged. */
export function toClientError(error: unknown, logger: FastifyBaseLogger, context: string): AppError {
  const appError = toAppError(error);
  if (appError.status >= 500) {
    logger.error({ err: error }, context);
  }
  return appError;
}

export function toControlError(error: AppError, event?: string): ControlError {
  return { code: error.code, error: error.message, ...(event !== undefined && { event }) };
}

/** socket.io hands `data` to the client's `connect_error` listener as `error.data`. */
export function toConnectError(error: AppError): ExtendedError {
  const refused: ExtendedError = new Error(error.message);
  refused.data = toControlError(error);
  return refused;
}
