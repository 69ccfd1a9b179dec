/**
 * Who is generating an answer. The generating instance holds a lease per generation and renews it with every
 * ping; a lease that runs out means its instance died, and another may take the answer over.
 */
export interface LeaseStore {
  acquire(streamId: string): Promise<void>;
  /** Extends the lease; false when it was lost (expired and taken over), so the holder must stop. */
  renew(streamId: string): Promise<boolean>;
  release(streamId: string): Promise<void>;
  /** True while some instance holds the lease. */
  isHeld(streamId: string): Promise<boolean>;
}
