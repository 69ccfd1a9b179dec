import type { Principal, PrincipalResolver } from '../auth/principal.ts';

/**
 * The principal of a socket, from the handshake's credentials: a user JWT (seed 003's `auth.token`, with or
 * without "Bearer ") or an anonymous id. Throws UNAUTHENTICATED without either, INVALID_TOKEN or
 * TOKEN_EXPIRED for a bad token.
 */
export function resolveSocketPrincipal(
  auth: PrincipalResolver,
  credentials: { token?: unknown; anonId?: unknown },
): Promise<Principal> {
  const { token, anonId } = credentials;
  return auth.resolve({
    ...(typeof token === 'string' &&
      token !== '' && { authorization: /^Bearer\s/i.test(token) ? token : `Bearer ${token}` }),
    ...(typeof anonId === 'string' && { anonId }),
  });
}
