import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { AppError } from '../app-error.ts';
import { createStreamTokens } from './stream-token.ts';

const secret = new TextEncoder().encode('stream-token-test-secret-0123456789');
const otherSecret = new TextEncoder().encode('another-secret-0123456789abcdefghij');

function rejects(run: () => unknown, code: 'INVALID_TOKEN' | 'TOKEN_EXPIRED', what: string): void {
  assert.throws(run, (error) => error instanceof AppError && error.code === code, what);
}

/** A token as the jose-based implementation signed it, so tokens issued before the switch stay good. */
function joseToken(options: { sid?: string; sub?: string; aud?: string; exp?: string | number }) {
  const jwt = new SignJWT(options.sid === undefined ? {} : { sid: options.sid }).setProtectedHeader({
    alg: 'HS256',
  });
  if (options.sub !== undefined) {
    jwt.setSubject(options.sub);
  }
  return jwt
    .setAudience(options.aud ?? 'parley:stream')
    .setIssuedAt()
    .setExpirationTime(options.exp ?? '60s')
    .sign(secret);
}

describe('createStreamTokens', () => {
  const tokens = createStreamTokens(secret, 60);

  test('signs an HS256 JWT that jose verifies, with the claims sub, sid, aud, iat and exp', async () => {
    const token = tokens.sign('anon:owner', 'stream-1');
    assert.deepEqual(decodeProtectedHeader(token), { alg: 'HS256' });
    const { payload } = await jwtVerify(token, secret, { algorithms: ['HS256'], audience: 'parley:stream' });
    assert.deepEqual(Object.keys(payload).sort(), ['aud', 'exp', 'iat', 'sid', 'sub']);
    assert.equal(payload.sub, 'anon:owner');
    assert.equal(payload.sid, 'stream-1');
    assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 60);
    assert.ok(Math.abs((payload.iat ?? 0) - Date.now() / 1000) < 5);
    await assert.rejects(jwtVerify(token, otherSecret, { algorithms: ['HS256'] }));
  });

  test('opens and verifies what it signed, and what jose signed with the same secret', async () => {
    const ours = tokens.sign('user:u1', 'stream-2');
    assert.deepEqual(tokens.open(ours), { principalId: 'user:u1', streamId: 'stream-2' });
    assert.equal(tokens.verify(ours, 'stream-2'), 'user:u1');
    const theirs = await joseToken({ sid: 'stream-3', sub: 'user:u2' });
    assert.equal(tokens.verify(theirs, 'stream-3'), 'user:u2');
  });

  test('a token for another stream is INVALID_TOKEN', () => {
    rejects(() => tokens.verify(tokens.sign('user:u1', 'stream-1'), 'stream-2'), 'INVALID_TOKEN', 'stream');
  });

  test('an expired token is TOKEN_EXPIRED, from its exp second on', async () => {
    let clock = Date.UTC(2030, 0, 1);
    const timed = createStreamTokens(secret, 10, () => clock);
    const token = timed.sign('user:u1', 'stream-1');
    clock += 9999;
    assert.equal(timed.verify(token, 'stream-1'), 'user:u1');
    clock += 1;
    rejects(() => timed.verify(token, 'stream-1'), 'TOKEN_EXPIRED', 'at exp');
    const joseExpired = await joseToken({ sid: 's', sub: 'u', exp: 1 });
    rejects(() => tokens.open(joseExpired), 'TOKEN_EXPIRED', 'jose exp');
  });

  test('anything not signed by us, as we sign, is INVALID_TOKEN', async () => {
    const token = tokens.sign('user:u1', 'stream-1');
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const { sid, sub, aud, iat, exp } = claims;
    const bad: [string, string][] = [
      ['empty', ''],
      ['not a JWT', 'abc'],
      ['two parts', `${header}.${payload}`],
      ['four parts', `${token}.x`],
      ['another secret', createStreamTokens(otherSecret, 60).sign('user:u1', 'stream-1')],
      ['payload swapped', `${header}.${encode({ ...claims, sub: 'user:intruder' })}.${signature}`],
      ['signature cut', token.slice(0, -2)],
      ['alg none', `${encode({ alg: 'none' })}.${payload}.`],
      ['another alg', signed(encode({ alg: 'HS512' }), payload)],
      ['another audience', signed(header, encode({ ...claims, aud: 'somewhere-else' }))],
      ['no sid', signed(header, encode({ sub, aud, iat, exp }))],
      ['no exp', signed(header, encode({ sid, sub, aud, iat }))],
      ['exp not a number', signed(header, encode({ ...claims, exp: String(exp) }))],
      ['payload not JSON', signed(header, Buffer.from('{').toString('base64url'))],
      ['jose token without sid', await joseToken({ sub: 'user:u1' })],
      ['jose token for another audience', await joseToken({ sid: 's', sub: 'u', aud: 'other' })],
    ];
    for (const [what, forged] of bad) {
      rejects(() => tokens.open(forged), 'INVALID_TOKEN', what);
    }
  });
});

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Header and payload with a valid signature under the test's secret: forged content, not a forged MAC. */
function signed(header: string, payload: string): string {
  const mac = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${mac}`;
}
