import { ErrorResponse, Health } from '../../../protocol/api.ts';
import { AppError } from '../app-error.ts';
import type { RouteDeps, TypedApp } from './route-deps.ts';

/** Liveness says the process answers; readiness says it can serve: its database answers and it is not draining. */
export function registerHealthRoutes(app: TypedApp, deps: RouteDeps, isDraining: () => boolean): void {
  app.get('/healthz', { schema: { tags: ['health'], response: { 200: Health } } }, async () => ({
    status: 'ok' as const,
  }));

  app.get(
    '/readyz',
    { schema: { tags: ['health'], response: { 200: Health, 503: ErrorResponse } } },
    async () => {
      if (isDraining()) {
        throw new AppError('SHUTTING_DOWN');
      }
      try {
        await deps.repositories.ping();
      } catch (cause) {
        throw new AppError('SERVICE_UNAVAILABLE', { cause });
      }
      return { status: 'ok' as const };
    },
  );
}
