import type { FastifyBaseLogger } from 'fastify';
import type { Namespace, Server, ServerOptions, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../../../protocol/control.ts';
import type { PrincipalResolver } from '../auth/principal.ts';
import type { StreamTokens } from '../auth/stream-token.ts';
import type { SocketConfig } from '../config.ts';
import type { Repositories } from '../db/repository.ts';
import type { GenerationService } from '../generation/generation-service.ts';
import type { ModelCatalog } from '../generation/model-catalog.ts';
import type { NotificationHub } from '../notifications/notification-hub.ts';
import type { StreamLog } from '../streams/stream-log.ts';

/** Builds the socket.io adapter of each namespace; the Redis Streams one carries events across instances. */
export type SocketAdapter = ServerOptions['adapter'];

/** What a control socket remembers; connection state recovery restores it with the socket. */
export interface ControlSocketData {
  principalId: string;
}

/** Between instances (socket.io's serverSideEmit): a principal's usage changed, for whichever holds their sockets. */
interface InterServerEvents {
  usage_changed: (principalId: string) => void;
}
export type ControlServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  ControlSocketData
>;
export type ControlNamespace = Namespace<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  ControlSocketData
>;
export type ControlSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  ControlSocketData
>;

/** What the control channel needs; built once in `createApp`. */
export interface SocketDeps {
  config: SocketConfig;
  repositories: Repositories;
  generations: GenerationService;
  streamLog: StreamLog;
  models: ModelCatalog;
  notifications: NotificationHub;
  auth: PrincipalResolver;
  streamTokens: StreamTokens;
  defaultModel: string;
  logger: FastifyBaseLogger;
  /** Absent in single-instance mode: socket.io's in-memory adapter. */
  adapter?: SocketAdapter | undefined;
  now(): Date;
  newId(): string;
}

/** The room of every socket of one principal, on every instance. */
export function userRoom(principalId: string): string {
  return `user:${principalId}`;
}
