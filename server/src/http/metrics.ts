import type { Registry } from 'prom-client';
import type { TypedApp } from './route-deps.ts';

/** Prometheus scrapes this; it carries no user data, so it needs no principal. */
export function registerMetricsRoute(app: TypedApp, registry: Registry): void {
  app.get('/metrics', { schema: { tags: ['health'], hide: true } }, async (_request, reply) => {
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
