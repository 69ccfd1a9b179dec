import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from '../../../protocol/errors.ts';
import { AppError } from '../app-error.ts';

const FRAMEWORK_CODES: Record<string, AppError['code']> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
};

/** Turns anything thrown by a route into `{ error: { code, message, field? } }` with the catalogue's status. */
export function toClientError(error: FastifyError | Error): AppError {
  if (error instanceof AppError) {
    return error;
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const issue = fastifyError.validation[0];
    const field = fieldOf(issue?.instancePath ?? '', issue?.params);
    if (fastifyError.validationContext === 'params') {
      return new AppError('INVALID_ID', { message: `"${field}" is not a valid id.`, field, cause: error });
    }
    const message = `${fastifyError.validationContext} ${field ? `"${field}" ` : ''}${issue?.message ?? 'is invalid'}.`;
    return new AppError('VALIDATION_FAILED', { message, ...(field && { field }), cause: error });
  }
  const code = fastifyError.code && FRAMEWORK_CODES[fastifyError.code];
  if (code) {
    return new AppError(code, { cause: error });
  }
  // Anything else with a 4xx status from the framework is the client's fault, with no code of its own.
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new AppError('VALIDATION_FAILED', { message: error.message, cause: error });
  }
  return new AppError('INTERNAL', { cause: error });
}

function fieldOf(instancePath: string, params: Record<string, unknown> | undefined): string {
  const path = instancePath.replace(/^\//, '').replaceAll('/', '.');
  const extra = params?.additionalProperty ?? params?.missingProperty;
  if (typeof extra === 'string') {
    return path ? `${path}.${extra}` : extra;
  }
  return path;
}

export function sendError(reply: FastifyReply, error: AppError): void {
  const body: ErrorBody = {
    error: { code: error.code, message: error.message, ...(error.field && { field: error.field }) },
  };
  if (error.retryAfterSeconds !== undefined) {
    void reply.header('retry-after', String(error.retryAfterSeconds));
  }
  void reply.code(error.status).type('application/json').send(body);
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const clientError = toClientError(error);
    if (clientError.status >= 500) {
      request.log.error({ err: error }, 'request failed');
    }
    sendError(reply, clientError);
  });
  app.setNotFoundHandler((request, reply) => {
    sendError(
      reply,
      new AppError('ROUTE_NOT_FOUND', { message: `No route ${request.method} ${request.url}.` }),
    );
  });
}
