import { once } from 'node:events';
import { createConnection, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Where new connections go from now on. */
  setTarget(port: number): void;
  /** Cuts every open connection, as a network drop does; new ones still go through. */
  dropConnections(): void;
  /** Cuts every connection and refuses new ones, as a stopped server does, until `resume`. */
  pause(): Promise<void>;
  /** Accepts connections again, on the same port. */
  resume(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP relay on loopback. What sits behind it (PostgreSQL, Redis, Parley) can be made to vanish and come back
 * while every client keeps the same address: a restart, as a client sees it.
 */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let target = targetPort;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: target });
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };

  const dropConnections = () => {
    for (const socket of open) {
      socket.destroy();
    }
  };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    setTarget(next) {
      target = next;
    },
    dropConnections,
    async pause() {
      const closed = once(server, 'close');
      server.close();
      dropConnections();
      await closed;
    },
    async resume() {
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
    async close() {
      dropConnections();
      if (server.listening) {
        const closed = once(server, 'close');
        server.close();
        await closed;
      }
    },
  };
}
