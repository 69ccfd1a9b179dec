/**
 * Messages between instances: cancel requests today. In one process it is an event emitter; across
 * processes, Redis pub/sub. Delivery is at most once, so every use is idempotent.
 */
export interface Bus {
  publish(channel: string, message: string): Promise<void>;
  /** Resolves once the subscription is live; the returned function ends it. */
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
