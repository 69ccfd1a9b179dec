import type { Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { Server } from 'socket.io';
import { CONTROL_NAMESPACE, PLAIN_WS_PATH } from '../../../protocol/control.ts';
import { registerControlNamespace } from './control-namespace.ts';
import { createOriginCheck } from './origin-check.ts';
import { createPlainWs } from './plain-ws.ts';
import type { ControlServer, SocketDeps } from './socket-deps.ts';

const SOCKET_IO_PATH = '/socket.io/';

export interface Sockets {
  /**
   * Closes every socket. socket.io clients see a transport close, reconnect (to another instance when there
   * is one) and recover what they missed; `/ws` clients get 1001 (going away).
   */
  close(): Promise<void>;
}

/** Puts the control channel on `server`: socket.io `/chats` and plain WebSocket `/ws`, on one upgrade event. */
export function attachSockets(server: HttpServer, deps: SocketDeps): Sockets {
  const allowOrigin = createOriginCheck(deps.config.allowedOrigins);
  const io: ControlServer = new Server(server, {
    serveClient: false,
    // Upgrades of other paths are routed below; engine.io would otherwise end them after a second.
    destroyUpgrade: false,
    // With several instances, long-polling would need sticky sessions (its requests must reach the instance
    // holding the session); WebSocket keeps one connection to one instance, so any balancer will do.
    transports: deps.adapter ? ['websocket'] : ['polling', 'websocket'],
    ...(deps.adapter && { adapter: deps.adapter }),
    maxHttpBufferSize: deps.config.maxMessageBytes,
    // A ping every 25 s keeps an idle socket under the 60 s idle timeout of common proxies and load balancers
    // (nginx's proxy_read_timeout, AWS ALB), which would otherwise cut it; 20 s for the pong tolerates a slow
    // mobile network, so a dead peer is noticed within 45 s.
    pingInterval: 25_000,
    pingTimeout: 20_000,
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: true },
    allowRequest: (request, callback) =>
      allowOrigin(request) ? callback(null, true) : callback('Origin not allowed', false),
    ...(deps.config.allowedOrigins.length > 0 && { cors: { origin: deps.config.allowedOrigins } }),
  });
  const stopControl = registerControlNamespace(io, deps);
  const plainWs = createPlainWs(deps);

  server.on('upgrade', (request, socket: Duplex, head: Buffer) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path === PLAIN_WS_PATH) {
      if (allowOrigin(request)) {
        plainWs.handleUpgrade(request, socket, head);
      } else {
        refuseUpgrade(socket, '403 Forbidden');
      }
    } else if (!path.startsWith(SOCKET_IO_PATH)) {
      refuseUpgrade(socket, '404 Not Found');
    }
  });

  return {
    async close() {
      stopControl();
      io.engine.close();
      await Promise.all([
        plainWs.close(),
        io.of('/').adapter.close(),
        io.of(CONTROL_NAMESPACE).adapter.close(),
      ]);
    },
  };
}

function refuseUpgrade(socket: Duplex, status: string): void {
  socket.on('error', () => {});
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
