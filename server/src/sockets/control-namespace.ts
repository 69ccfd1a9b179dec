import { CONTROL_NAMESPACE } from '../../../protocol/control.ts';
import { getUsageInfo } from '../dialects/control-payloads.ts';
import { forwardNotifications } from './control-notifications.ts';
import { registerControlRequests } from './control-requests.ts';
import { resolveSocketPrincipal } from './handshake-auth.ts';
import { createMessageRateLimit } from './message-rate-limit.ts';
import { createPresence } from './presence.ts';
import { type ControlServer, type SocketDeps, userRoom } from './socket-deps.ts';
import { toClientError, toConnectError } from './socket-errors.ts';
import { createUsagePusher } from './usage-pusher.ts';

/**
 * The socket.io namespace `/chats` (seeds 000 and 003): authenticated in the handshake, one room per
 * principal, presence and usage pushed as they change, the core's notifications forwarded. Returns the
 * function to call before the sockets are closed for shutdown.
 */
export function registerControlNamespace(io: ControlServer, deps: SocketDeps): () => void {
  const nsp = io.of(CONTROL_NAMESPACE);
  const rateLimit = createMessageRateLimit(deps.config.rateLimit);
  const pushPresence = createPresence(nsp, deps.logger);
  let closing = false;

  // Usage is read on the instance that holds the principal's sockets, for those sockets only, and not at all
  // where none is connected: a script driving answers with no tab open costs no usage reads.
  const pushUsage = createUsagePusher(
    async (principalId) => {
      const usage = await getUsageInfo(deps.repositories.messages, principalId, deps.now());
      nsp.local.to(userRoom(principalId)).emit('usage_info', usage);
    },
    (error) => deps.logger.warn({ err: error }, 'usage push failed'),
  );
  const pushUsageHere = (principalId: string) => {
    if ((nsp.adapter.rooms.get(userRoom(principalId))?.size ?? 0) > 0) {
      pushUsage(principalId);
    }
  };
  const usageChanged = (principalId: string) => {
    pushUsageHere(principalId);
    // The in-memory adapter of a single instance has no other instance to tell (and would warn).
    if (deps.adapter) {
      nsp.serverSideEmit('usage_changed', principalId);
    }
  };
  nsp.on('usage_changed', pushUsageHere);

  // Skipped when connection state recovery restores a socket: it keeps the principal it was given here.
  nsp.use((socket, next) => {
    resolveSocketPrincipal(deps.auth, socket.handshake.auth).then(
      (principal) => {
        socket.data.principalId = principal.id;
        next();
      },
      (error: unknown) => next(toConnectError(toClientError(error, deps.logger, 'socket handshake failed'))),
    );
  });

  nsp.on('connection', (socket) => {
    const { principalId } = socket.data;
    void socket.join(userRoom(principalId));
    registerControlRequests(socket, deps, rateLimit);
    socket.on('disconnect', () => {
      // At shutdown every socket goes at once and reconnects elsewhere, which recounts there.
      if (!closing) {
        pushPresence(principalId);
      }
    });
    pushPresence(principalId);
    getUsageInfo(deps.repositories.messages, principalId, deps.now()).then(
      (usage) => socket.emit('usage_info', usage),
      (error: unknown) => deps.logger.warn({ err: error }, 'usage for a new socket failed'),
    );
  });

  const stopForwarding = forwardNotifications(nsp, deps, usageChanged);
  return () => {
    closing = true;
    stopForwarding();
  };
}
