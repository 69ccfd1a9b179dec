import { once } from 'node:events';
import { createConnection, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  /** `http://127.0.0.1:<port>`: the address the browser uses, which stays the same across server restarts. */
  url: string;
  /** Where new connections go from now on. */
  setTarget(port: number): void;
  /** Cuts every open connection, as a network drop does; new ones still go through. */
  dropConnections(): void;
  close(): Promise<void>;
}

/**
 * A TCP relay in front of Parley. The page keeps one address while the server behind it stops, restarts on
 * another port, or loses its connections: what a person sees when the network or the server goes away.
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
    url: `http://127.0.0.1:${port}`,
    setTarget(next) {
      target = next;
    },
    dropConnections,
    async close() {
      dropConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
