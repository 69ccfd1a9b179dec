import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { AppError } from '../app-error.ts';

const AUDIENCE = 'parley:stream';
const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256' })).toString('base64url');

/**
 * Short-lived tokens that let EventSource, which cannot send headers, read one stream as its owner.
 * A token names one stream and one principal; it grants nothing else.
 *
 * They are HS256 JWTs (claims sub, sid, aud, iat, exp) that any JWT library verifies, made and checked here
 * with node:crypto's HMAC: synchronously, so a reconnect does not wait on WebCrypto's thread pool hops.
 */
export interface StreamTokens {
  sign(principalId: string, streamId: string): string;
  /** The principal the token was issued to; throws unless it is valid for `streamId`. */
  verify(token: string, streamId: string): string;
  /** The principal and stream a valid token names (seed 001's session id is such a token). */
  open(token: string): { principalId: string; streamId: string };
}

interface Claims {
  sid: string;
  sub: string;
  aud: string;
  iat: number;
  exp: number;
}

export function createStreamTokens(
  secret: Uint8Array,
  ttlSeconds: number,
  now: () => number = Date.now,
): StreamTokens {
  // Made once: an HMAC over raw key bytes imports them again on every call, which costs more than the hash.
  const key = createSecretKey(secret);
  function signature(signed: string): string {
    return createHmac('sha256', key).update(signed).digest('base64url');
  }

  function open(token: string): { principalId: string; streamId: string } {
    const claims = verifiedClaims(token);
    // As jose does: a token is expired once its exp second has begun.
    if (claims.exp <= Math.floor(now() / 1000)) {
      throw new AppError('TOKEN_EXPIRED');
    }
    return { principalId: claims.sub, streamId: claims.sid };
  }

  /** The claims of a token signed with our secret, with the types we issue; INVALID_TOKEN for anything else. */
  function verifiedClaims(token: string): Claims {
    const [header, payload, mac, extra] = token.split('.');
    if (header === undefined || payload === undefined || mac === undefined || extra !== undefined) {
      throw new AppError('INVALID_TOKEN');
    }
    const expected = Buffer.from(signature(`${header}.${payload}`));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new AppError('INVALID_TOKEN');
    }
    // The signature covers the header too, so only a token we signed gets here; checking alg still refuses
    // one we never issued under some other scheme.
    const claims = parseJson(payload);
    if (
      parseJson(header)?.alg !== 'HS256' ||
      typeof claims?.sub !== 'string' ||
      typeof claims.sid !== 'string' ||
      claims.aud !== AUDIENCE ||
      typeof claims.iat !== 'number' ||
      typeof claims.exp !== 'number'
    ) {
      throw new AppError('INVALID_TOKEN');
    }
    return claims as unknown as Claims;
  }

  return {
    sign(principalId, streamId) {
      const iat = Math.floor(now() / 1000);
      const claims: Claims = { sid: streamId, sub: principalId, aud: AUDIENCE, iat, exp: iat + ttlSeconds };
      const signed = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
      return `${signed}.${signature(signed)}`;
    },
    verify(token, streamId) {
      const opened = open(token);
      if (opened.streamId !== streamId) {
        throw new AppError('INVALID_TOKEN', { message: 'This token is for another stream.' });
      }
      return opened.principalId;
    },
    open,
  };
}

function parseJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
