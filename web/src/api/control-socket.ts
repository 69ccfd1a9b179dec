import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ControlAuth, ServerToClientEvents } from '../../../protocol/control.ts';
import { getAnonId } from './anon-id.ts';

export type ControlSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * The control channel: socket.io namespace `/chats` for presence, usage, chat list changes and stream
 * notifications. Answer text never comes this way. socket.io reconnects by itself with backoff.
 */
export function connectControlSocket(): ControlSocket {
  const auth: ControlAuth = { anonId: getAnonId() };
  return io('/chats', { auth, transports: ['websocket'], reconnectionDelayMax: 5000 });
}
