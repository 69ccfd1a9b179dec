import type { LeaseStore } from './lease-store.ts';

/**
 * Leases of a single instance. An answer left streaming by a previous process has no lease here, so the
 * reaper takes it over, which is all a single instance needs.
 */
export function createMemoryLeaseStore(): LeaseStore {
  const held = new Set<string>();
  return {
    async acquire(streamId) {
      held.add(streamId);
    },
    async renew(streamId) {
      return held.has(streamId);
    },
    async release(streamId) {
      held.delete(streamId);
    },
    async isHeld(streamId) {
      return held.has(streamId);
    },
  };
}
