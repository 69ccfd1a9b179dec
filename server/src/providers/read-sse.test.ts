import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { AppError } from '../app-error.ts';
import { createUpstreamCall, defaultProviderTimeouts } from './provider-errors.ts';
import { readSse } from './read-sse.ts';
import { createUpstreamResponse } from './upstream-http.ts';

/** Reads `chunks`, sent one by one, as the 2xx answer of a call. */
async function read(
  chunks: (string | Buffer)[],
  contentType: string,
): Promise<{ data: string[]; error: unknown }> {
  const call = createUpstreamCall({
    provider: 'p',
    signal: new AbortController().signal,
    timeouts: defaultProviderTimeouts,
  });
  const body = Readable.from(
    chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk)),
    { objectMode: false },
  );
  const response = createUpstreamResponse(200, { 'content-type': contentType }, body);
  const data: string[] = [];
  try {
    for await (const event of readSse({ provider: 'p', call, response })) {
      data.push(event.data);
    }
    return { data, error: undefined };
  } catch (error) {
    return { data, error };
  } finally {
    call.close();
  }
}

describe('readSse', () => {
  test('yields the data of each event, split lines and comments included', async () => {
    const { data, error } = await read(
      [': keep-alive\n\ndata: {"a"', ':1}\n\ndata: first\r\ndata: second\r\n\r\n'],
      'text/event-stream; charset=utf-8',
    );
    assert.equal(error, undefined);
    assert.deepEqual(data, ['{"a":1}', 'first\nsecond']);
  });

  test('decodes UTF-8 characters split across chunks', async () => {
    const bytes = Buffer.from('data: é 😀 ✓\n\n');
    const { data, error } = await read(
      Array.from(bytes, (byte) => Buffer.of(byte)),
      'text/event-stream',
    );
    assert.equal(error, undefined);
    assert.deepEqual(data, ['é 😀 ✓']);
  });

  test('refuses another content type', async () => {
    const { data, error } = await read(['{"object":"chat.completion"}'], 'application/json');
    assert.deepEqual(data, []);
    assert.ok(error instanceof AppError);
    assert.equal(error.code, 'PROVIDER_BAD_RESPONSE');
    assert.match((error.cause as Error).message, /application\/json instead of text\/event-stream/);
  });

  test('an event still unfinished after a million characters is PROVIDER_BAD_RESPONSE, after the events before it', async () => {
    const kib = 'x'.repeat(1024);
    const { data, error } = await read(
      ['data: small\n\ndata: ', ...Array.from({ length: 1025 }, () => kib)],
      'text/event-stream',
    );
    assert.equal(data.length, 1, 'the over-long event is not yielded');
    assert.equal(data[0], 'small');
    assert.ok(error instanceof AppError);
    assert.equal(error.code, 'PROVIDER_BAD_RESPONSE');
  });
});
