import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import type { TypedApp } from './route-deps.ts';

export const webDistDir = path.resolve(import.meta.dirname, '../../../web/dist');

// Vite puts a content hash in every asset name, so an asset never changes under its URL.
const immutable = 'public, max-age=31536000, immutable';

/**
 * Serves the built chat UI from the API's own port. The app's pages answer with index.html so deep links and
 * reloads work; every other unknown path still gets the JSON 404 of the API.
 */
export async function registerWebApp(app: TypedApp, root = webDistDir): Promise<void> {
  if (!existsSync(path.join(root, 'index.html'))) {
    app.log.warn({ root }, 'the web app is not built (npm run build): serving the API only');
    return;
  }
  await app.register(fastifyStatic, {
    root,
    index: false,
    // One route per built file instead of a catch-all, which would swallow the API's 404s.
    wildcard: false,
    setHeaders(reply, file) {
      void reply.header(
        'cache-control',
        file.includes(`${path.sep}assets${path.sep}`) ? immutable : 'no-cache',
      );
    },
  });
  const sendApp = (_request: unknown, reply: FastifyReply) => reply.sendFile('index.html');
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect('/chat'));
  app.get('/chat', { schema: { hide: true } }, sendApp);
  app.get('/chat/:id', { schema: { hide: true } }, sendApp);
}
