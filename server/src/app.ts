import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, LogController } from 'fastify';
import { createApiKeyCache } from './auth/api-key-cache.ts';
import { createPrincipalResolver } from './auth/principal.ts';
import { createStreamTokens } from './auth/stream-token.ts';
import type { Bus } from './bus/bus.ts';
import type { ResponseCache } from './cache/response-cache.ts';
import type { Config } from './config.ts';
import type { Repositories } from './db/repository.ts';
import { createGenerationService, type GenerationService } from './generation/generation-service.ts';
import type { ModelCatalog } from './generation/model-catalog.ts';
import { registerApiKeyRoutes } from './http/api-keys.ts';
import { registerAssistantEventRoutes } from './http/assistant-events.ts';
import { registerChatRoutes } from './http/chats.ts';
import { registerErrorHandling } from './http/error-handler.ts';
import { registerHealthRoutes } from './http/health.ts';
import { registerMessageRoutes } from './http/messages.ts';
import { registerMetricsRoute } from './http/metrics.ts';
import { registerModelPullRoutes } from './http/model-pulls.ts';
import { registerModelRoutes } from './http/models.ts';
import { registerOpenAIRoutes } from './http/openai.ts';
import type { RouteDeps, TypedApp } from './http/route-deps.ts';
import { registerSessionFlowRoutes } from './http/session-flow.ts';
import { registerStreamRoutes } from './http/streams.ts';
import { createValidatorCompiler } from './http/validator-compiler.ts';
import { registerWebApp } from './http/web-app.ts';
import type { LeaseStore } from './leases/lease-store.ts';
import { createPrometheusMetrics } from './metrics/prometheus-metrics.ts';
import { createNotificationHub, type NotificationHub } from './notifications/notification-hub.ts';
import { attachSockets } from './sockets/attach-sockets.ts';
import type { SocketAdapter } from './sockets/socket-deps.ts';
import type { StreamLog } from './streams/stream-log.ts';

export interface AppDeps {
  config: Pick<Config, 'bodyLimitBytes' | 'jwtSecret' | 'streamTokenTtlSeconds' | 'generation' | 'sockets'>;
  repositories: Repositories;
  streamLog: StreamLog;
  models: ModelCatalog;
  /** Cross-instance messages (cancel); in-process with one instance. */
  bus: Bus;
  /** Who runs each answer; leases that run out mark a dead instance. */
  leases: LeaseStore;
  /** Answers to deterministic requests, replayed without calling the provider. */
  cache: ResponseCache;
  countTokens(text: string): number;
  logger: FastifyBaseLogger;
  /** Carries socket.io events to the other instances (Redis Streams); absent when there is one instance. */
  socketAdapter?: SocketAdapter;
  /** Injected so tests get repeatable output. */
  now?: () => Date;
  newId?: () => string;
}

export interface Parley {
  app: TypedApp;
  generations: GenerationService;
  /** What the control channel listens to: chats and answers starting, ending, changing. */
  notifications: NotificationHub;
  /** Stops taking generations, lets running ones finish for up to `graceMs`, then closes the server. */
  shutdown(graceMs: number): Promise<void>;
}

/** Builds the whole HTTP surface on an unstarted server, so tests can drive it in-process or listen on a port. */
export async function createApp(deps: AppDeps): Promise<Parley> {
  const now = deps.now ?? (() => new Date());
  const newId = deps.newId ?? randomUUID;
  const secret = new TextEncoder().encode(deps.config.jwtSecret);

  const notifications = createNotificationHub((error) =>
    deps.logger.error({ err: error }, 'notification listener failed'),
  );
  const metrics = createPrometheusMetrics();
  const generations = await createGenerationService({
    repositories: deps.repositories,
    streamLog: deps.streamLog,
    models: deps.models,
    notifications,
    bus: deps.bus,
    leases: deps.leases,
    cache: deps.cache,
    metrics,
    config: deps.config.generation,
    countTokens: deps.countTokens,
    now,
    newId,
    logError: (error, message) => deps.logger.error({ err: error }, message),
  });

  const app: TypedApp = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: deps.config.bodyLimitBytes,
    // Per-request logs would cost more than a streamed token; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(createValidatorCompiler());
  // The API speaks JSON only; other bodies get 415 rather than a confusing schema error.
  app.removeContentTypeParser(['text/plain']);
  registerErrorHandling(app);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Parley API',
        version: '0.1.0',
        description:
          'Prompts go up by POST; answers stream back as server-sent events and can be resumed from any event id.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          anonymous: { type: 'apiKey', in: 'header', name: 'x-anon-id' },
        },
      },
      security: [{ bearer: [] }, { anonymous: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const apiKeys = await createApiKeyCache(deps.repositories.apiKeys, deps.bus);
  const routeDeps: RouteDeps = {
    repositories: deps.repositories,
    generations,
    streamLog: deps.streamLog,
    models: deps.models,
    notifications,
    metrics,
    auth: createPrincipalResolver(secret, apiKeys),
    apiKeys,
    streamTokens: createStreamTokens(secret, deps.config.streamTokenTtlSeconds),
    defaultModel: deps.config.generation.defaultModel,
    now,
    newId,
  };
  registerHealthRoutes(app, routeDeps, generations.isDraining);
  registerMetricsRoute(app, metrics.registry);
  registerModelRoutes(app, routeDeps);
  registerModelPullRoutes(app, routeDeps);
  registerChatRoutes(app, routeDeps);
  registerMessageRoutes(app, routeDeps);
  registerStreamRoutes(app, routeDeps);
  await registerWebApp(app);
  registerApiKeyRoutes(app, routeDeps);
  registerSessionFlowRoutes(app, routeDeps);
  registerAssistantEventRoutes(app, routeDeps);
  await registerOpenAIRoutes(app, routeDeps);

  const sockets = attachSockets(app.server, {
    ...routeDeps,
    config: deps.config.sockets,
    logger: deps.logger,
    adapter: deps.socketAdapter,
  });
  // Before the server closes, or it would wait on the sockets' connections.
  app.addHook('preClose', () => sockets.close());

  return {
    app,
    generations,
    notifications,
    async shutdown(graceMs) {
      await generations.drain(graceMs);
      // Readers still following streams (some generated elsewhere) are let go, so the server can close; their
      // clients resume on another instance from their last event id.
      await deps.streamLog.close();
      await apiKeys.close();
      await app.close();
    },
  };
}
