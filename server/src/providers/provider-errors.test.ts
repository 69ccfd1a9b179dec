import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createUpstreamCall, httpError, parseRetryAfter } from './provider-errors.ts';
import { readSse } from './read-sse.ts';

describe('provider errors', () => {
  test('HTTP statuses map to codes', () => {
    const code = (status: number, contextTooLong = false) =>
      httpError({ provider: 'p', status, headers: new Headers(), detail: 'body', contextTooLong }).code;
    assert.equal(code(401), 'PROVIDER_AUTH');
    assert.equal(code(403), 'PROVIDER_AUTH');
    assert.equal(code(404), 'MODEL_NOT_FOUND');
    assert.equal(code(408), 'PROVIDER_TIMEOUT');
    assert.equal(code(413), 'CONTEXT_TOO_LONG');
    assert.equal(code(400, true), 'CONTEXT_TOO_LONG');
    assert.equal(code(400), 'PROVIDER_REJECTED');
    assert.equal(code(422), 'PROVIDER_REJECTED');
    assert.equal(code(429), 'PROVIDER_RATE_LIMITED');
    assert.equal(code(500), 'PROVIDER_UNAVAILABLE');
    assert.equal(code(529), 'PROVIDER_UNAVAILABLE');
  });

  test('the upstream body goes to the cause, not to the client message', () => {
    const error = httpError({
      provider: 'openai',
      status: 500,
      headers: new Headers(),
      detail: 'org-123 secret',
      contextTooLong: false,
    });
    assert.doesNotMatch(error.message, /org-123/);
    assert.match(String((error.cause as Error).message), /openai answered HTTP 500: org-123 secret/);
  });

  test('Retry-After is read as seconds or as an HTTP date', () => {
    const now = Date.parse('2025-03-10T12:00:00Z');
    assert.equal(parseRetryAfter('7', now), 7);
    assert.equal(parseRetryAfter('1.2', now), 2);
    assert.equal(parseRetryAfter('Mon, 10 Mar 2025 12:00:30 GMT', now), 30);
    assert.equal(parseRetryAfter('Mon, 10 Mar 2025 11:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
    const headers = new Headers({ 'retry-after': '3' });
    assert.equal(
      httpError({ provider: 'p', status: 503, headers, detail: '', contextTooLong: false }).retryAfterSeconds,
      3,
    );
  });
});

describe('upstream call', () => {
  test('an answer read up to its last event leaves its connection to the next call', async () => {
    let connections = 0;
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end('data: {}\n\ndata: [DONE]\n\n');
    });
    server.on('connection', () => connections++);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      for (let answer = 0; answer < 3; answer++) {
        const call = createUpstreamCall({ provider: 'p', signal: new AbortController().signal });
        const response = await call.post(url, {}, {});
        // As the adapters do: stop at the last event, before the body's end.
        for await (const event of readSse({ provider: 'p', call, response })) {
          if (event.data === '[DONE]') {
            break;
          }
        }
        call.close();
        await nextTurn();
      }
      assert.equal(connections, 1);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
