import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ApiKeyCache } from '../auth/api-key-cache.ts';
import type { Principal, PrincipalResolver } from '../auth/principal.ts';
import type { StreamTokens } from '../auth/stream-token.ts';
import type { Repositories } from '../db/repository.ts';
import type { GenerationService } from '../generation/generation-service.ts';
import type { ModelCatalog } from '../generation/model-catalog.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { NotificationHub } from '../notifications/notification-hub.ts';
import type { StreamLog } from '../streams/stream-log.ts';

export type TypedApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** What the route modules need; built once in `createApp`. */
export interface RouteDeps {
  repositories: Repositories;
  generations: GenerationService;
  streamLog: StreamLog;
  models: ModelCatalog;
  notifications: NotificationHub;
  metrics: Metrics;
  auth: PrincipalResolver;
  /** What `auth` looks API keys up in; told of revokes so no instance keeps accepting a revoked key. */
  apiKeys: ApiKeyCache;
  streamTokens: StreamTokens;
  defaultModel: string;
  now(): Date;
  newId(): string;
}

export function principalHeaders(request: FastifyRequest): { authorization?: string; anonId?: string } {
  const anonId = request.headers['x-anon-id'];
  return {
    ...(request.headers.authorization !== undefined && { authorization: request.headers.authorization }),
    ...(typeof anonId === 'string' && { anonId }),
  };
}

export function requirePrincipal(deps: RouteDeps, request: FastifyRequest): Promise<Principal> {
  return deps.auth.resolve(principalHeaders(request));
}
