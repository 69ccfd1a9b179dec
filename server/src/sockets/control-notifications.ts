import { toControlChat } from '../dialects/control-payloads.ts';
import type { Notification } from '../notifications/notification-hub.ts';
import { createKeyedQueue } from './keyed-queue.ts';
import { type ControlNamespace, type SocketDeps, userRoom } from './socket-deps.ts';

/**
 * Pushes the core's notifications to every socket of their owner, on every instance: each is raised once, on
 * the instance where it happened, and the adapter carries the broadcast to the others. A principal's
 * notifications go out in the order they were raised; usage follows on its own.
 * Returns the function that stops forwarding.
 */
export function forwardNotifications(
  nsp: ControlNamespace,
  deps: SocketDeps,
  /** Usage changed for the principal; pushed on its own schedule (see usage-pusher). */
  usageChanged: (principalId: string) => void,
): () => void {
  const enqueue = createKeyedQueue((error) =>
    deps.logger.error({ err: error }, 'control notification failed'),
  );

  async function deliver(notification: Notification): Promise<void> {
    const room = nsp.to(userRoom(notification.ownerId));
    switch (notification.type) {
      case 'stream_started': {
        const token = deps.streamTokens.sign(notification.ownerId, notification.streamId);
        room.emit('stream_started', {
          chat_id: notification.chatId,
          stream_id: notification.streamId,
          message_id: notification.streamId,
          model: notification.model,
          token,
        });
        // The user message it answers was saved with it: today's message count changed.
        usageChanged(notification.ownerId);
        return;
      }
      case 'stream_ended':
        room.emit('stream_ended', {
          chat_id: notification.chatId,
          stream_id: notification.streamId,
          status: notification.status,
          error_code: notification.errorCode,
        });
        usageChanged(notification.ownerId);
        return;
      case 'chat_created':
        room.emit('chat_created', { chat: toControlChat(notification.chat) });
        return;
      case 'chat_updated':
        room.emit('chat_updated', { chat: toControlChat(notification.chat) });
        return;
      case 'chat_deleted':
        room.emit('chat_deleted', { chat_id: notification.chatId });
        return;
    }
  }

  return deps.notifications.subscribe((notification) =>
    enqueue(notification.ownerId, () => deliver(notification)),
  );
}
