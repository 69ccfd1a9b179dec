import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** How a fake upstream answers one request. Every field is optional; the defaults stream a short answer fast. */
export interface FakeScenario {
  /**
   * A file in server/src/providers/__fixtures__, without extension: `<name>.chunks.txt` is replayed chunk by
   * chunk (one line each, framed by the provider's fake), `<name>.http.json` is sent as an HTTP error answer.
   */
  fixture?: string;
  /** Without a fixture: how many tokens the generated answer has (defaultTokens when unset). */
  tokens?: number;
  /** After the headers, before the first chunk. */
  firstTokenDelayMs?: number;
  /** Between two chunks. */
  interTokenDelayMs?: number;
  /** Never send response headers (a provider that accepted the connection and hangs). */
  hang?: boolean;
  /** Close the connection after this many chunks, mid-body (a provider that dies mid-answer). */
  dropAfterChunks?: number;
  /** Send nothing more after this many chunks, keeping the connection open (a provider gone silent). */
  stallAfterChunks?: number;
}

export const defaultTokens = 20;

export type ScenarioSource = FakeScenario | ((request: RecordedRequest) => FakeScenario);

export interface RecordedRequest {
  method: string;
  /** Path and query, as received. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The JSON body, parsed; the raw text when it is not JSON; undefined when empty. */
  body: unknown;
  receivedAt: number;
  /** Resolves when the response's connection closes; `finished` is false when the client went away first. */
  closed: Promise<{ at: number; finished: boolean }>;
}

/** What a provider's fake answers: frames to stream, or one JSON response. */
export type FakeReply =
  | { kind: 'stream'; contentType: string; frames: string[] }
  | { kind: 'json'; status: number; headers: Record<string, string>; body: unknown };

export interface FakeUpstream {
  /** `http://127.0.0.1:<port>` */
  url: string;
  requests: RecordedRequest[];
  /** Sockets open now: after a cancel it drops as the client closes its connection. */
  connections(): number;
  setScenario(next: ScenarioSource): void;
  close(): Promise<void>;
}

export type FakeRoute = (request: RecordedRequest, scenario: FakeScenario) => Promise<FakeReply | undefined>;

/**
 * A real HTTP server for provider tests and benchmarks. The provider's fake decides what to send (`route`);
 * this decides when: headers at once, then frames with the scenario's delays, stopping when the client leaves.
 */
export async function startFakeUpstream(input: {
  route: FakeRoute;
  scenario: ScenarioSource;
}): Promise<FakeUpstream> {
  let scenarioSource = input.scenario;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();

  const server = createServer(async (req, res) => {
    let resolveClosed: (value: { at: number; finished: boolean }) => void = () => undefined;
    const closed = new Promise<{ at: number; finished: boolean }>((resolve) => {
      resolveClosed = resolve;
    });
    const gone = new AbortController();
    res.on('close', () => {
      gone.abort();
      resolveClosed({ at: performance.now(), finished: res.writableFinished });
    });

    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
    }
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      body: parseBody(Buffer.concat(chunks).toString('utf8')),
      receivedAt: performance.now(),
      closed,
    };
    requests.push(request);

    const scenario = typeof scenarioSource === 'function' ? scenarioSource(request) : scenarioSource;
    if (scenario.hang) {
      return;
    }
    const reply = await input.route(request, scenario).catch((error: unknown) => {
      sendJson(res, 500, {}, { error: `fake upstream failed: ${String(error)}` });
      return null;
    });
    if (reply === null) {
      return;
    }
    if (!reply) {
      sendJson(res, 404, {}, { error: `no fake route for ${request.method} ${request.path}` });
      return;
    }
    if (reply.kind === 'json') {
      sendJson(res, reply.status, reply.headers, reply.body);
      return;
    }
    await streamFrames(res, reply, scenario, gone.signal).catch(() => undefined);
  });

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    connections: () => sockets.size,
    setScenario(next) {
      scenarioSource = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function streamFrames(
  res: ServerResponse,
  reply: { contentType: string; frames: string[] },
  scenario: FakeScenario,
  signal: AbortSignal,
): Promise<void> {
  res.writeHead(200, { 'content-type': reply.contentType, 'cache-control': 'no-cache' });
  res.flushHeaders();
  for (const [index, frame] of reply.frames.entries()) {
    const wait = index === 0 ? scenario.firstTokenDelayMs : scenario.interTokenDelayMs;
    if (wait) {
      await delay(wait, undefined, { signal });
    }
    if (scenario.dropAfterChunks === index) {
      // `end` flushes what was written, then closes the socket before the chunked body's terminator.
      res.socket?.end();
      return;
    }
    if (scenario.stallAfterChunks === index) {
      return;
    }
    if (!res.write(frame)) {
      await once(res, 'drain', { signal });
    }
  }
  res.end();
}

function sendJson(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

function parseBody(text: string): unknown {
  if (text === '') {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const fixturesDir = path.resolve(import.meta.dirname, '../../server/src/providers/__fixtures__');
const fixtureCache = new Map<string, Promise<Fixture>>();

export type Fixture =
  | { kind: 'chunks'; lines: string[] }
  | { kind: 'http'; status: number; headers: Record<string, string>; body: unknown };

/** A fixture by name, read once per process (benchmarks replay them thousands of times). */
export function loadFixture(name: string): Promise<Fixture> {
  let fixture = fixtureCache.get(name);
  if (!fixture) {
    fixture = readFixture(name);
    fixtureCache.set(name, fixture);
  }
  return fixture;
}

async function readFixture(name: string): Promise<Fixture> {
  const chunks = await readFile(path.join(fixturesDir, `${name}.chunks.txt`), 'utf8').catch(() => undefined);
  if (chunks !== undefined) {
    return { kind: 'chunks', lines: chunks.split('\n').filter((line) => line !== '') };
  }
  const http = JSON.parse(await readFile(path.join(fixturesDir, `${name}.http.json`), 'utf8')) as {
    status: number;
    headers?: Record<string, string>;
    body: unknown;
  };
  return { kind: 'http', status: http.status, headers: http.headers ?? {}, body: http.body };
}

/** How a provider's streaming body carries one line: SSE `data:` frames, NDJSON lines... */
export interface Framing {
  contentType: string;
  frame(line: string): string;
}

/** A fixture as a reply: HTTP fixtures as they are, chunk fixtures through the provider's framing. */
export async function replayFixture(name: string, framing: Framing): Promise<FakeReply> {
  const fixture = await loadFixture(name);
  if (fixture.kind === 'http') {
    return { kind: 'json', status: fixture.status, headers: fixture.headers, body: fixture.body };
  }
  return { kind: 'stream', contentType: framing.contentType, frames: fixture.lines.map(framing.frame) };
}

/**
 * What a streaming endpoint answers: the scenario's fixture when it names one, else the lines `generate` writes
 * for an answer of `scenario.tokens` tokens, framed.
 */
export async function streamReply(
  scenario: FakeScenario,
  framing: Framing,
  generate: (tokens: number) => string[],
): Promise<FakeReply> {
  if (scenario.fixture) {
    return replayFixture(scenario.fixture, framing);
  }
  const frames = generate(scenario.tokens ?? defaultTokens).map(framing.frame);
  return { kind: 'stream', contentType: framing.contentType, frames };
}

const words = 'Parley streams every answer through a log so that no token is lost when a tab closes'.split(
  ' ',
);

/** The i-th token of a generated answer: a word, with a leading space after the first. */
export function fakeToken(index: number): string {
  const word = words[index % words.length] ?? 'token';
  return index === 0 ? word : ` ${word}`;
}

/** The whole text of a generated answer of `count` tokens. */
export function fakeAnswer(count: number): string {
  return Array.from({ length: count }, (_, index) => fakeToken(index)).join('');
}
