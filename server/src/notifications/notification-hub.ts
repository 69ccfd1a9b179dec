import type { ErrorCode } from '../../../protocol/errors.ts';
import type { MessageStatus } from '../../../protocol/events.ts';
import type { ChatRecord } from '../db/repository.ts';

/** Something a principal's other tabs and devices should hear about, raised by the instance where it happened. */
export type Notification =
  | { type: 'stream_started'; ownerId: string; chatId: string; streamId: string; model: string }
  | {
      type: 'stream_ended';
      ownerId: string;
      chatId: string;
      streamId: string;
      status: Exclude<MessageStatus, 'streaming'>;
      errorCode: ErrorCode | null;
    }
  | { type: 'chat_created' | 'chat_updated'; ownerId: string; chat: ChatRecord }
  | { type: 'chat_deleted'; ownerId: string; chatId: string };

export type NotificationListener = (notification: Notification) => void;

/**
 * In-process fan-out from the core to the surfaces that push (the control channel). Crossing instances is
 * the listeners' business: socket.io's adapter carries what they emit to sockets elsewhere.
 */
export interface NotificationHub {
  notify(notification: Notification): void;
  /** Returns a function that removes the listener. */
  subscribe(listener: NotificationListener): () => void;
}

export function createNotificationHub(onListenerError: (error: unknown) => void): NotificationHub {
  const listeners = new Set<NotificationListener>();
  return {
    notify(notification) {
      for (const listener of listeners) {
        try {
          listener(notification);
        } catch (error) {
          onListenerError(error);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
