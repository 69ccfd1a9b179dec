import type { Redis } from 'ioredis';
import type { Bus } from './bus.ts';

/**
 * Redis pub/sub. A subscribed connection can do nothing else, so the bus makes one of its own for
 * subscriptions and publishes on the shared client.
 */
export function createRedisBus(options: {
  redis: Redis;
  prefix: string;
  onError(error: unknown): void;
}): Bus {
  const { redis, prefix } = options;
  const subscriber = redis.duplicate({ connectionName: `${prefix}bus` });
  subscriber.on('error', options.onError);
  const handlers = new Map<string, Set<(message: string) => void>>();
  subscriber.on('message', (channel: string, message: string) => {
    for (const handler of handlers.get(channel) ?? []) {
      handler(message);
    }
  });

  return {
    async publish(channel, message) {
      await redis.publish(`${prefix}${channel}`, message);
    },
    async subscribe(channel, handler) {
      const name = `${prefix}${channel}`;
      let set = handlers.get(name);
      if (!set) {
        set = new Set();
        handlers.set(name, set);
        await subscriber.subscribe(name);
      }
      set.add(handler);
      return async () => {
        set.delete(handler);
        if (set.size === 0) {
          handlers.delete(name);
          await subscriber.unsubscribe(name);
        }
      };
    },
    async close() {
      handlers.clear();
      subscriber.disconnect();
    },
  };
}
