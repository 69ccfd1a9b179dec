import { ErrorResponse, ModelList } from '../../../protocol/api.ts';
import type { RouteDeps, TypedApp } from './route-deps.ts';

export function registerModelRoutes(app: TypedApp, deps: RouteDeps): void {
  app.get(
    '/api/models',
    { schema: { tags: ['models'], response: { 200: ModelList, 500: ErrorResponse } } },
    async () => ({
      models: await deps.models.list(),
      defaultModel: deps.defaultModel,
      canPull: deps.models.canPull(),
    }),
  );
}
