import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { createMessageRateLimit } from './message-rate-limit.ts';
import type { SocketDeps } from './socket-deps.ts';
import { openWsConversation } from './ws-conversation.ts';

// The same cadence as socket.io's ping: under the 60 s idle timeout of common proxies and load balancers.
const HEARTBEAT_MS = 25_000;
// A client that does not answer the closing handshake in this time is cut off, so shutdown never waits on it.
const CLOSE_GRACE_MS = 2000;

export interface PlainWs {
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every connection with 1001 (going away); the answers they were reading go on and are saved. */
  close(): Promise<void>;
}

/** The plain WebSocket `/ws` of seed 002, sharing the HTTP server's upgrade event with socket.io. */
export function createPlainWs(deps: SocketDeps): PlainWs {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: deps.config.maxMessageBytes,
    perMessageDeflate: false,
  });
  const rateLimit = createMessageRateLimit(deps.config.rateLimit);
  const answered = new WeakSet<WebSocket>();

  // A peer that missed a whole heartbeat is gone without a close (a dead network, a sleeping laptop).
  const heartbeat = setInterval(() => {
    for (const client of wss.clients) {
      if (!answered.has(client)) {
        client.terminate();
        continue;
      }
      answered.delete(client);
      client.ping();
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();

  wss.on('connection', (ws: WebSocket, request: IncomingMessage) => {
    answered.add(ws);
    ws.on('pong', () => answered.add(ws));
    // A protocol violation (a frame over maxPayload, bad UTF-8) is the client's; ws closes the socket itself.
    ws.on('error', (error) => deps.logger.debug({ err: error }, '/ws connection error'));
    openWsConversation(ws, request, deps, rateLimit);
  });

  return {
    handleUpgrade(request, socket, head) {
      wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
    },
    async close() {
      clearInterval(heartbeat);
      const closed = [...wss.clients].map(
        (client) =>
          new Promise<void>((resolve) => {
            client.once('close', () => resolve());
            client.close(1001, 'Server shutting down');
            setTimeout(() => {
              client.terminate();
              resolve();
            }, CLOSE_GRACE_MS).unref();
          }),
      );
      await Promise.all(closed);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
