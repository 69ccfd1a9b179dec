import { once } from 'node:events';
import { SignJWT } from 'jose';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { WebSocket } from 'ws';
import type { ClientToServerEvents, ServerToClientEvents, WsServerFrame } from '../../protocol/control.ts';
import { TEST_JWT_SECRET } from '../helpers/start-parley.ts';

export type ControlClient = Socket<ServerToClientEvents, ClientToServerEvents>;
type EventName = keyof ServerToClientEvents;
type Payload<E extends EventName> = Parameters<ServerToClientEvents[E]>[0];

export function userToken(
  sub: string,
  secret = TEST_JWT_SECRET,
  expiresAt: string | number = '1h',
): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime(expiresAt)
    .sign(new TextEncoder().encode(secret));
}

/**
 * A socket.io client of `/chats` that records every event from the moment it is created, so a test can wait
 * for an event that may already have arrived.
 */
export interface RecordingClient {
  socket: ControlClient;
  /** Every event received so far, in order. */
  events: { name: string; payload: unknown }[];
  /** Resolves with the first event `name` at or after position `from` whose payload passes `match`. */
  next<E extends EventName>(
    name: E,
    match?: (payload: Payload<E>) => boolean,
    options?: { from?: number; timeoutMs?: number },
  ): Promise<Payload<E>>;
  close(): void;
}

export function recordControl(
  url: string,
  options: Partial<ManagerOptions & SocketOptions> = {},
): RecordingClient {
  const socket: ControlClient = io(`${url}/chats`, { forceNew: true, ...options });
  const events: { name: string; payload: unknown }[] = [];
  const waiters = new Set<() => void>();
  socket.onAny((name: string, payload: unknown) => {
    events.push({ name, payload });
    for (const wake of waiters) {
      wake();
    }
  });
  return {
    socket,
    events,
    next(name, match = () => true, { from = 0, timeoutMs = 10_000 } = {}) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = events
            .slice(from)
            .find((event) => event.name === name && match(event.payload as Payload<typeof name>));
          if (found) {
            cleanup();
            resolve(found.payload as Payload<typeof name>);
          }
          return found !== undefined;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(`no ${name} within ${timeoutMs} ms; got ${JSON.stringify(events.map((e) => e.name))}`),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(wake);
        };
        const wake = () => void check();
        waiters.add(wake);
        check();
      });
    },
    close: () => socket.close(),
  };
}

/** Waits for the socket to connect, or rejects with the `connect_error`. */
export async function connected(socket: ControlClient): Promise<void> {
  if (socket.connected) {
    return;
  }
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
}

/** Resolves with the `connect_error` a refused connection gets. */
export function refusal(socket: ControlClient): Promise<Error & { data?: unknown }> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('the connection was accepted')));
    socket.once('connect_error', resolve);
  });
}

/** A `/ws` client that queues the frames it receives. */
export interface WsClient {
  ws: WebSocket;
  /** The next frame not yet taken. */
  nextFrame(timeoutMs?: number): Promise<WsServerFrame>;
  /** Frames up to and including the first one of type `type`. */
  framesUntil(type: WsServerFrame['type'], timeoutMs?: number): Promise<WsServerFrame[]>;
  send(frame: unknown): void;
  close(): Promise<void>;
}

export async function openWs(url: string, headers: Record<string, string> = {}): Promise<WsClient> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), { headers });
  const frames: WsServerFrame[] = [];
  let wake: (() => void) | undefined;
  ws.on('message', (data: Buffer) => {
    frames.push(JSON.parse(data.toString('utf8')) as WsServerFrame);
    wake?.();
  });
  ws.on('close', () => wake?.());
  await once(ws, 'open');

  async function nextFrame(timeoutMs = 10_000): Promise<WsServerFrame> {
    const deadline = Date.now() + timeoutMs;
    while (frames.length === 0) {
      if (ws.readyState === WebSocket.CLOSED) {
        throw new Error('the socket closed');
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`no frame within ${timeoutMs} ms`);
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, left);
      });
    }
    return frames.shift() as WsServerFrame;
  }

  return {
    ws,
    nextFrame,
    async framesUntil(type, timeoutMs = 20_000) {
      const taken: WsServerFrame[] = [];
      for (;;) {
        const frame = await nextFrame(timeoutMs);
        taken.push(frame);
        if (frame.type === type) {
          return taken;
        }
      }
    },
    send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    async close() {
      if (ws.readyState !== WebSocket.CLOSED) {
        const closed = once(ws, 'close');
        ws.close();
        await closed;
      }
    },
  };
}
