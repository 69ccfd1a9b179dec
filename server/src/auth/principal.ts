import { errors as joseErrors, jwtVerify } from 'jose';
import { AppError } from '../app-error.ts';
import type { ApiKeyRepository } from '../db/repository.ts';
import { hashApiKey, isApiKey } from './api-keys.ts';

/** Who is asking. `id` owns chats, messages and streams: `user:<sub>` or `anon:<uuid>`. */
export interface Principal {
  id: string;
  kind: 'user' | 'anonymous';
}

export interface PrincipalHeaders {
  authorization?: string | undefined;
  anonId?: string | undefined;
}

export interface PrincipalResolver {
  /** The principal of a request; throws UNAUTHENTICATED, INVALID_TOKEN or TOKEN_EXPIRED. */
  resolve(headers: PrincipalHeaders): Promise<Principal>;
  /** Like `resolve`, but undefined when the request carries no credentials at all. */
  resolveOptional(headers: PrincipalHeaders): Promise<Principal | undefined>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Bearer tokens are user JWTs, or API keys (`pk-...`) that act as the principal who created them. */
export function createPrincipalResolver(
  secret: Uint8Array,
  apiKeys: Pick<ApiKeyRepository, 'findActiveKey'>,
): PrincipalResolver {
  async function fromApiKey(key: string): Promise<Principal> {
    const found = await apiKeys.findActiveKey(hashApiKey(key));
    if (!found) {
      throw new AppError('INVALID_TOKEN', { message: 'This API key is not valid or was revoked.' });
    }
    return { id: found.ownerId, kind: found.ownerId.startsWith('user:') ? 'user' : 'anonymous' };
  }

  async function fromBearer(authorization: string): Promise<Principal> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match?.[1]) {
      throw new AppError('INVALID_TOKEN', { message: 'Authorization must be "Bearer <token>".' });
    }
    if (isApiKey(match[1])) {
      return fromApiKey(match[1]);
    }
    try {
      // The algorithm is pinned: a token signed any other way (or with "none") is rejected.
      const { payload } = await jwtVerify(match[1], secret, {
        algorithms: ['HS256'],
        requiredClaims: ['sub', 'exp'],
      });
      return { id: `user:${payload.sub}`, kind: 'user' };
    } catch (cause) {
      if (cause instanceof joseErrors.JWTExpired) {
        throw new AppError('TOKEN_EXPIRED', { cause });
      }
      throw new AppError('INVALID_TOKEN', { cause });
    }
  }

  async function resolveOptional(headers: PrincipalHeaders): Promise<Principal | undefined> {
    if (headers.authorization) {
      return fromBearer(headers.authorization);
    }
    if (headers.anonId !== undefined) {
      if (!UUID.test(headers.anonId)) {
        throw new AppError('UNAUTHENTICATED', { message: 'x-anon-id must be a UUID.', field: 'x-anon-id' });
      }
      return { id: `anon:${headers.anonId.toLowerCase()}`, kind: 'anonymous' };
    }
    return undefined;
  }

  return {
    resolveOptional,
    async resolve(headers) {
      const principal = await resolveOptional(headers);
      if (!principal) {
        throw new AppError('UNAUTHENTICATED');
      }
      return principal;
    },
  };
}
