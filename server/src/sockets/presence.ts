import type { FastifyBaseLogger } from 'fastify';
import { type ControlNamespace, userRoom } from './socket-deps.ts';

/**
 * Recounts a principal's sockets on every instance and pushes the count to all of them. Called on each
 * connect and disconnect. Two changes on two instances at the same moment can deliver their counts out of
 * order, leaving a stale count until the next change; we accept that for a presence indicator.
 */
export function createPresence(
  nsp: ControlNamespace,
  logger: FastifyBaseLogger,
): (principalId: string) => void {
  return (principalId) => {
    const room = userRoom(principalId);
    nsp
      .in(room)
      .fetchSockets()
      .then((sockets) => {
        if (sockets.length > 0) {
          nsp.to(room).emit('presence', { connections: sockets.length });
        }
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'presence count failed'));
  };
}
