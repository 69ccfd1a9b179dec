import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { createOriginCheck } from './origin-check.ts';

function handshake(headers: Record<string, string>): IncomingMessage {
  return { headers } as unknown as IncomingMessage;
}

test('the server’s own origin passes, whatever the allowlist', () => {
  const check = createOriginCheck([]);
  assert.equal(check(handshake({ host: 'chat.example.com', origin: 'https://chat.example.com' })), true);
  assert.equal(check(handshake({ host: '127.0.0.1:3000', origin: 'http://127.0.0.1:3000' })), true);
});

test('a foreign origin is refused unless it is listed', () => {
  const check = createOriginCheck(['https://app.example.com']);
  assert.equal(check(handshake({ host: 'api.example.com', origin: 'https://evil.example' })), false);
  assert.equal(check(handshake({ host: 'api.example.com', origin: 'https://app.example.com' })), true);
  assert.equal(check(handshake({ host: 'api.example.com', origin: 'http://app.example.com' })), false);
});

test('an opaque or malformed origin is refused', () => {
  const check = createOriginCheck([]);
  assert.equal(check(handshake({ host: 'chat.example.com', origin: 'null' })), false);
  assert.equal(check(handshake({ host: 'chat.example.com', origin: 'chat.example.com' })), false);
});

test('a client that sends no Origin is not a browser and passes', () => {
  assert.equal(createOriginCheck([])(handshake({ host: 'chat.example.com' })), true);
});
