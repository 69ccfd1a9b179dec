import { ErrorResponse, LoadModelBody } from '../../../protocol/api.ts';
import { toAppError } from '../app-error.ts';
import { type RouteDeps, requirePrincipal, type TypedApp } from './route-deps.ts';
import { SSE_HEADERS } from './sse-response.ts';

/** Seed 002's model loading: pulls an Ollama model and streams its progress, fit for a progress bar. */
export function registerModelPullRoutes(app: TypedApp, deps: RouteDeps): void {
  app.post(
    '/api/models/load',
    {
      schema: {
        tags: ['models'],
        summary: 'Pull an Ollama model; progress streams as SSE `progress` events, then `done` or `error`',
        body: LoadModelBody,
        response: { 200: { description: 'text/event-stream' }, 400: ErrorResponse, 401: ErrorResponse },
      },
    },
    async (request, reply) => {
      await requirePrincipal(deps, request);
      const gone = new AbortController();
      const pull = deps.models.pull(request.body.model, gone.signal)[Symbol.asyncIterator]();
      // The first step runs before any byte is sent, so "not configured" and "unknown model" get a plain 4xx.
      const first = await pull.next();
      reply.hijack();
      const res = reply.raw;
      res.on('close', () => gone.abort());
      res.writeHead(200, SSE_HEADERS);
      const send = (event: string, data: unknown) =>
        res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      try {
        for (let step = first; !step.done; step = await pull.next()) {
          send('progress', step.value);
        }
        send('done', { model: request.body.model });
      } catch (error) {
        if (!gone.signal.aborted) {
          const appError = toAppError(error);
          send('error', { code: appError.code, message: appError.message });
        }
      }
      res.end();
    },
  );
}
