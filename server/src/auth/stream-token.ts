import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { AppError } from '../app-error.ts';

const AUDIENCE = 'parley:stream';

/**
 * Short-lived tokens that let EventSource, which cannot send headers, read one stream as its owner.
 * A token names one stream and one principal; it grants nothing else.
 */
export interface StreamTokens {
  sign(principalId: string, streamId: string): Promise<string>;
  /** The principal the token was issued to; throws unless it is valid for `streamId`. */
  verify(token: string, streamId: string): Promise<string>;
}

export function createStreamTokens(secret: Uint8Array, ttlSeconds: number): StreamTokens {
  return {
    sign(principalId, streamId) {
      return new SignJWT({ sid: streamId })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(principalId)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(secret);
    },
    async verify(token, streamId) {
      try {
        const { payload } = await jwtVerify(token, secret, { algorithms: ['HS256'], audience: AUDIENCE });
        if (payload.sid !== streamId || typeof payload.sub !== 'string') {
          throw new AppError('INVALID_TOKEN', { message: 'This token is for another stream.' });
        }
        return payload.sub;
      } catch (cause) {
        if (cause instanceof AppError) {
          throw cause;
        }
        if (cause instanceof joseErrors.JWTExpired) {
          throw new AppError('TOKEN_EXPIRED', { cause });
        }
        throw new AppError('INVALID_TOKEN', { cause });
      }
    },
  };
}
