import type { MessageRepository } from '../db/repository.ts';
import type { LeaseStore } from '../leases/lease-store.ts';
import type { NotificationHub } from '../notifications/notification-hub.ts';
import type { StreamLog } from '../streams/stream-log.ts';
import type { RunningGenerations } from './running-generations.ts';
import { takeOverAnswer } from './take-over.ts';

export interface ReaperDeps {
  messages: MessageRepository;
  streamLog: StreamLog;
  leases: LeaseStore;
  running: RunningGenerations;
  notifications: NotificationHub;
  leaseTtlMs: number;
  intervalMs: number;
  now(): Date;
  logError(error: unknown, message: string): void;
}

const BATCH = 100;

/**
 * Finds answers whose instance died (still streaming, older than a lease, no lease held) and takes them
 * over. Every instance runs one; the database decides which of them wins each answer.
 */
export function startReaper(deps: ReaperDeps): { stop(): void } {
  let sweeping: Promise<void> | undefined;

  async function sweepOnce(): Promise<void> {
    const before = new Date(deps.now().getTime() - deps.leaseTtlMs);
    for (const message of await deps.messages.listStreamingBefore(before, BATCH)) {
      if (deps.running.has(message.id) || (await deps.leases.isHeld(message.id))) {
        continue;
      }
      const status = await takeOverAnswer(deps, message);
      if (status) {
        deps.notifications.notify({
          type: 'stream_ended',
          ownerId: message.ownerId,
          chatId: message.chatId,
          streamId: message.id,
          status,
          errorCode: status === 'interrupted' ? 'GENERATION_INTERRUPTED' : null,
        });
      }
    }
  }

  function sweep(): Promise<void> {
    // A sweep that outlasts the interval is not started twice.
    sweeping ??= sweepOnce()
      .catch((error: unknown) => deps.logError(error, 'reaper sweep failed'))
      .finally(() => {
        sweeping = undefined;
      });
    return sweeping;
  }

  const timer = setInterval(() => void sweep(), deps.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
