import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { createParser } from 'eventsource-parser';
import pg from 'pg';
import { WebSocketServer } from 'ws';
import { serveParent } from '../ipc/serve-parent.ts';

/**
 * The reference every fan-out, memory and reconnect figure is a ratio against: the least a Node server can
 * do, with node:http alone. It speaks the same SSE headers and frames as Parley's native stream, and keeps
 * nothing per connection but the response object.
 *
 * - `GET /idle`: headers and one event, then nothing, as Parley does for a subscriber of a silent answer
 *   (idle memory per connection).
 * - `GET /first-event`: headers and one event at once (the floor of a reconnect).
 * - `POST /answer` with a JSON body: `start` and one `text` event at once, in one write (the floor of a cache
 *   hit: a server that has the answer before it is asked).
 * - `POST /answer-saved`, the same after one row is inserted, and committed, in the PostgreSQL database named by
 *   the `x-database-url` header: the floor of a cache hit whose prompt is saved before its first byte, as
 *   Parley's is. It commits as Parley's start of an answer does, without waiting for the WAL to reach disk.
 * - `POST /v1/chat/completions` with an OpenAI body and the upstream's base URL in `x-upstream-url`: the least a
 *   relay that reads the stream can do. It sends the body on through node:http, parses each upstream event
 *   (eventsource-parser, JSON.parse) and writes it on (JSON.stringify) as soon as it arrives, with no log, no
 *   database and no accounts: the floor of the relay figures.
 * - `GET /subscribe/:channel`, then `POST /broadcast/:channel` with `{url, body}`: reads that upstream's OpenAI
 *   stream and writes each token as one `text` event to every subscriber, then `usage` and `end`.
 * - WebSocket upgrades: accepted and held (idle memory per socket).
 * - `GET /gc`: a full collection through the inspector, the same call the bench makes on Parley's (memory
 *   figures).
 */
export interface BroadcastBody {
  url: string;
  body: unknown;
  headers: Record<string, string>;
}

const headers = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

// The shape and size of the `start` event Parley sends a subscriber first, its signed token included.
const startData = {
  streamId: '00000000-0000-4000-8000-000000000000',
  chatId: '00000000-0000-4000-8000-000000000000',
  messageId: '00000000-0000-4000-8000-000000000000',
  userMessageId: '00000000-0000-4000-8000-000000000000',
  model: 'local/fake-model',
  cached: false,
  createdAt: new Date(0).toISOString(),
  token: 'x'.repeat(261),
};

const channels = new Map<string, ServerResponse[]>();
const idle = new Set<ServerResponse>();
const sockets = new WebSocketServer({ noServer: true, perMessageDeflate: false });
let seq = 0;

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  if (req.method === 'GET' && url === '/idle') {
    open(res);
    res.write(frame('start', startData));
    idle.add(res);
    res.on('close', () => idle.delete(res));
    return;
  }
  if (req.method === 'GET' && url === '/gc') {
    collectGarbage().then(
      () => res.writeHead(204).end(),
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
    return;
  }
  if (req.method === 'POST' && url === '/answer') {
    readJson(req).then(
      () => {
        res.writeHead(200, headers);
        res.end(frame('start', startData) + frame('text', { text: 'first' }));
      },
      () => res.writeHead(400).end(),
    );
    return;
  }
  if (req.method === 'POST' && url === '/answer-saved') {
    const databaseUrl = req.headers['x-database-url'];
    readJson(req)
      .then((body) => saveRow(String(databaseUrl), JSON.stringify(body)))
      .then(
        () => {
          res.writeHead(200, headers);
          res.end(frame('start', startData) + frame('text', { text: 'first' }));
        },
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    return;
  }
  if (req.method === 'GET' && url === '/first-event') {
    open(res);
    res.end(frame('text', { text: 'first' }));
    return;
  }
  if (req.method === 'POST' && url === '/v1/chat/completions') {
    relay(req, res);
    return;
  }
  const [, route, channel] = url.split('/');
  if (req.method === 'GET' && route === 'subscribe' && channel) {
    open(res);
    const list = channels.get(channel) ?? [];
    list.push(res);
    channels.set(channel, list);
    return;
  }
  if (req.method === 'POST' && route === 'broadcast' && channel) {
    readJson(req).then(
      (body) => {
        res.writeHead(202).end();
        broadcast(channel, body as BroadcastBody);
      },
      () => res.writeHead(400).end(),
    );
    return;
  }
  res.writeHead(404).end();
});
server.on('upgrade', (req, socket, head) => {
  sockets.handleUpgrade(req, socket, head, () => undefined);
});
server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 });
await new Promise((resolve) => server.once('listening', resolve));
const { port } = server.address() as AddressInfo;

serveParent({ url: `http://127.0.0.1:${port}` }, async () => ({
  idle: idle.size,
  sockets: sockets.clients.size,
  subscribers: [...channels.values()].reduce((sum, list) => sum + list.length, 0),
}));

function open(res: ServerResponse): void {
  res.writeHead(200, headers);
  res.flushHeaders();
}

/**
 * HeapProfiler.collectGarbage, as the bench asks of Parley over its inspector: unlike gc() it also gives back
 * the young generation that opening thousands of connections grew, so both servers are read the same way.
 */
async function collectGarbage(): Promise<void> {
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.collectGarbage');
  } finally {
    session.disconnect();
  }
}

function frame(event: string, data: unknown): string {
  return `id: ${Date.now()}-${seq++}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function send(list: ServerResponse[], text: string): void {
  for (const res of list) {
    res.write(text);
  }
}

function broadcast(channel: string, input: BroadcastBody): void {
  const list = channels.get(channel) ?? [];
  channels.delete(channel);
  let tokens = 0;
  const finish = (status: string) => {
    send(list, frame('usage', { inputTokens: 1, outputTokens: tokens }));
    for (const res of list) {
      res.end(frame('end', { status, finishReason: status === 'complete' ? 'stop' : 'error' }));
    }
  };
  const parser = createParser({
    onEvent(message) {
      if (message.data === '[DONE]') {
        finish('complete');
        return;
      }
      const chunk = JSON.parse(message.data) as { choices?: { delta?: { content?: string } }[] };
      const text = chunk.choices?.[0]?.delta?.content;
      if (text) {
        tokens++;
        send(list, frame('text', { text }));
      }
    },
  });
  const upstream = httpRequest(
    input.url,
    { method: 'POST', headers: { 'content-type': 'application/json', ...input.headers } },
    (response) => {
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => parser.feed(chunk));
    },
  );
  upstream.on('error', () => finish('error'));
  upstream.end(JSON.stringify(input.body));
}

function relay(req: IncomingMessage, res: ServerResponse): void {
  const upstreamUrl = String(req.headers['x-upstream-url']);
  readJson(req).then(
    (body) => {
      const upstream = httpRequest(
        `${upstreamUrl}/v1/chat/completions`,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (response) => {
          res.writeHead(response.statusCode ?? 502, headers);
          const parser = createParser({
            onEvent(message) {
              res.write(
                message.data === '[DONE]'
                  ? 'data: [DONE]\n\n'
                  : `data: ${JSON.stringify(JSON.parse(message.data))}\n\n`,
              );
            },
          });
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => parser.feed(chunk));
          response.on('end', () => res.end());
          response.on('error', () => res.destroy());
        },
      );
      upstream.on('error', (error) => {
        if (res.headersSent) {
          res.destroy();
        } else {
          res.writeHead(502).end(String(error));
        }
      });
      upstream.end(JSON.stringify(body));
    },
    () => res.writeHead(400).end(),
  );
}

const pools = new Map<string, Promise<pg.Pool>>();

/** One INSERT of `content` in its own transaction, through a pool kept per database. */
async function saveRow(databaseUrl: string, content: string): Promise<void> {
  let ready = pools.get(databaseUrl);
  if (!ready) {
    const pool = new pg.Pool({ connectionString: databaseUrl, options: '-c synchronous_commit=off' });
    pool.on('error', () => undefined);
    ready = pool
      .query('CREATE TABLE IF NOT EXISTS bare_rows (id uuid PRIMARY KEY, content text NOT NULL)')
      .then(() => pool);
    pools.set(databaseUrl, ready);
    // A database that could not be set up is tried again by the next ask, not refused for good.
    ready.catch(() => {
      pools.delete(databaseUrl);
      void pool.end();
    });
  }
  const pool = await ready;
  await pool.query({
    name: 'insert_bare_row',
    text: 'INSERT INTO bare_rows (id, content) VALUES ($1, $2)',
    values: [randomUUID(), content],
  });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}
