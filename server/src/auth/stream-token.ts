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
  /** The principal and stream a valid token names (seed 001's session id is such a token). */
  open(token: string): Promise<{ principalId: string; streamId: string }>;
}

export function createStreamTokens(secret: Uint8Array, ttlSeconds: number): StreamTokens {
  async function open(token: string): Promise<{ principalId: string; streamId: string }> {
    try {
      const { payload } = await jwtVerify(token, secret, { algorithms: ['HS256'], audience: AUDIENCE });
      if (typeof payload.sid !== 'string' || typeof payload.sub !== 'string') {
        throw new AppError('INVALID_TOKEN');
      }
      return { principalId: payload.sub, streamId: payload.sid };
    } catch (cause) {
      if (cause instanceof AppError) {
        throw cause;
      }
      if (cause instanceof joseErrors.JWTExpired) {
        throw new AppError('TOKEN_EXPIRED', { cause });
      }
      throw new AppError('INVALID_TOKEN', { cause });
    }
  }

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
      const opened = await open(token);
      if (opened.streamId !== streamId) {
        throw new AppError('INVALID_TOKEN', { message: 'This token is for another stream.' });
      }
      return opened.principalId;
    },
    open,
  };
}
