// node:http rather than fetch: a relayed token is one small chunk of the upstream body, and fetch hands each
// chunk through undici's WebAssembly parser into a web ReadableStream, with promises and queueing per read.
// node:http parses natively and pushes each chunk into a Node stream: in the relay benchmark, reading the
// upstream went from a fifth of Parley's CPU to under a tenth.
import { type ClientRequest, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';

/** An upstream answer, shaped like fetch's `Response` where the adapters read it; the body is a Node stream. */
export interface UpstreamResponse {
  readonly status: number;
  /** A 2xx status. */
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  /** Read once: by a stream reader (readSse, readNdjson), or by `text` or `json`. */
  readonly body: Readable;
  text(): Promise<string>;
  /** Rejects when the body is not JSON. */
  json(): Promise<unknown>;
}

export function createUpstreamResponse(
  status: number,
  headers: IncomingHttpHeaders,
  body: Readable,
): UpstreamResponse {
  return {
    status,
    ok: status >= 200 && status <= 299,
    headers: { get: (name) => headerValue(headers[name.toLowerCase()]) },
    body,
    text: () => text(body),
    json: async () => JSON.parse(await text(body)),
  };
}

export interface UpstreamRequestInit {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

/**
 * Sends one request; the caller listens for 'response' and 'error'. Throws on a URL it cannot send to. It goes
 * through Node's global agents: connections are kept alive for the next call, and a proxy from the environment
 * is used when Node is told to (NODE_USE_ENV_PROXY), as fetch does.
 */
export function sendUpstreamRequest(url: string, init: UpstreamRequestInit): ClientRequest {
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  // Some gateways refuse a request without a User-Agent.
  const headers: Record<string, string> = { 'user-agent': 'parley', ...init.headers };
  if (init.body !== undefined) {
    headers['content-length'] = String(Buffer.byteLength(init.body));
  }
  const request = send(url, { method: init.method, headers });
  request.end(init.body);
  return request;
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) {
    return null;
  }
  return Array.isArray(value) ? value.join(', ') : value;
}
