import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import { registerErrorHandling } from './error-handler.ts';
import type { TypedApp } from './route-deps.ts';
import { registerWebApp } from './web-app.ts';

const indexHtml = '<!doctype html><div id="root"></div>';

async function createServer(root: string): Promise<TypedApp> {
  const app: TypedApp = Fastify().withTypeProvider<TypeBoxTypeProvider>();
  registerErrorHandling(app);
  await registerWebApp(app, root);
  app.get('/api/ping', async () => ({ ok: true }));
  return app;
}

describe('web app routes', () => {
  let root: string;
  let app: TypedApp;

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'parley-web-'));
    await mkdir(path.join(root, 'assets'));
    await writeFile(path.join(root, 'index.html'), indexHtml);
    await writeFile(path.join(root, 'assets', 'app-1a2b3c.js'), 'console.log(1)');
    await writeFile(path.join(root, 'favicon.svg'), '<svg/>');
    app = await createServer(root);
  });

  after(async () => {
    await app.close();
    await rm(root, { recursive: true, force: true });
  });

  test('answers the app pages with index.html, uncached, so deep links and reloads work', async () => {
    for (const url of ['/chat', '/chat/2b1c4f9e-8d0a-4c52-9a43-1f0e7d6b5a21']) {
      const response = await app.inject({ url });
      assert.equal(response.statusCode, 200, url);
      assert.equal(response.body, indexHtml);
      assert.match(String(response.headers['content-type']), /^text\/html/);
      assert.equal(response.headers['cache-control'], 'no-cache');
    }
  });

  test('redirects the root to the new chat page', async () => {
    const response = await app.inject({ url: '/' });
    assert.equal(response.statusCode, 302);
    assert.equal(response.headers.location, '/chat');
  });

  test('serves hashed assets as immutable and other files as revalidated', async () => {
    const asset = await app.inject({ url: '/assets/app-1a2b3c.js' });
    assert.equal(asset.statusCode, 200);
    assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
    const icon = await app.inject({ url: '/favicon.svg' });
    assert.equal(icon.statusCode, 200);
    assert.equal(icon.headers['cache-control'], 'no-cache');
  });

  test('keeps the JSON 404 for unknown API routes and files', async () => {
    for (const url of ['/api/nope', '/assets/missing.js', '/chat/a/b']) {
      const response = await app.inject({ url });
      assert.equal(response.statusCode, 404, url);
      assert.equal(response.json().error.code, 'ROUTE_NOT_FOUND');
    }
    assert.deepEqual((await app.inject({ url: '/api/ping' })).json(), { ok: true });
  });

  test('serves only the API when the web app is not built', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'parley-web-empty-'));
    const bare = await createServer(empty);
    try {
      assert.equal((await bare.inject({ url: '/chat' })).json().error.code, 'ROUTE_NOT_FOUND');
    } finally {
      await bare.close();
      await rm(empty, { recursive: true, force: true });
    }
  });
});
