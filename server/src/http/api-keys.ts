import { Type } from 'typebox';
import {
  ApiKeyList,
  CreateApiKeyBody,
  CreatedApiKey,
  ErrorResponse,
  IdParams,
} from '../../../protocol/api.ts';
import { AppError } from '../app-error.ts';
import { generateApiKey } from '../auth/api-keys.ts';
import type { ApiKeyRecord } from '../db/repository.ts';
import { type RouteDeps, requirePrincipal, type TypedApp } from './route-deps.ts';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse };

function toApiKey(key: ApiKeyRecord) {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    createdAt: key.createdAt.toISOString(),
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}

export function registerApiKeyRoutes(app: TypedApp, deps: RouteDeps): void {
  const { apiKeys } = deps.repositories;

  app.post(
    '/api/keys',
    {
      schema: {
        tags: ['keys'],
        summary: 'Create an API key for the OpenAI-compatible API; the key is shown once',
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKey, ...errors },
      },
    },
    async (request, reply) => {
      const principal = await requirePrincipal(deps, request);
      const { key, keyHash, prefix } = generateApiKey();
      const created = await apiKeys.createKey({
        id: deps.newId(),
        ownerId: principal.id,
        name: request.body.name ?? 'API key',
        prefix,
        keyHash,
        now: deps.now(),
      });
      return reply.code(201).send({ ...toApiKey(created), key });
    },
  );

  app.get(
    '/api/keys',
    { schema: { tags: ['keys'], response: { 200: ApiKeyList, ...errors } } },
    async (request) => {
      const principal = await requirePrincipal(deps, request);
      return { keys: (await apiKeys.listKeys(principal.id)).map(toApiKey) };
    },
  );

  app.delete(
    '/api/keys/:id',
    {
      schema: {
        tags: ['keys'],
        summary: 'Revoke an API key',
        params: IdParams,
        response: { 204: Type.Null({ description: 'Revoked' }), ...errors },
      },
    },
    async (request, reply) => {
      const principal = await requirePrincipal(deps, request);
      if (!(await apiKeys.revokeKey(principal.id, request.params.id, deps.now()))) {
        throw new AppError('NOT_FOUND', { message: 'No such active key.' });
      }
      await deps.apiKeys.revoked(request.params.id);
      return reply.code(204).send(null);
    },
  );
}
