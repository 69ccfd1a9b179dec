import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { LoggedEvent } from '../../../protocol/events.ts';
import { fromEntry } from './redis-stream-entry.ts';
import { redisUnavailable } from './redis-unavailable.ts';
import { StreamBuffer } from './stream-buffer.ts';
import { compareStreamEventId, parseStreamEventId } from './stream-event-id.ts';

export interface RedisStreamFollowerOptions {
  /** Runs the loads and the wake-ups; the blocking reads get a connection of their own. */
  redis: Redis;
  maxLength: number;
  /** A stream key no other process uses, written to interrupt this process's blocking read. */
  wakeKey: string;
  /** CLIENT SETNAME of the blocking connection, so operators can tell it apart. */
  connectionName: string;
  onError: (error: unknown) => void;
}

/** A reader's hold on a followed stream. */
export interface FollowHold {
  /** The stream's local buffer once loaded; `undefined` when the stream does not exist. */
  buffer: Promise<StreamBuffer | undefined>;
  /** Gives the hold back; the stream stops being followed when no reader holds it. */
  release(): void;
}

export interface RedisStreamFollower {
  /** Follows `key` for a reader of what comes after `afterId` (a well-formed id; undefined: everything). */
  hold(key: string, afterId: string | undefined): FollowHold;
  close(): Promise<void>;
}

interface Follow {
  readonly key: string;
  readonly buffer: StreamBuffer;
  /** Settles once the stream is in the buffer: to it, or to undefined when there is no such stream. */
  loaded: Promise<StreamBuffer | undefined>;
  holders: number;
  /** The id the shared XREAD goes on after; undefined while the stream loads. */
  lastId: string | undefined;
  /**
   * The buffer holds everything after this id that maxLength keeps; undefined once it holds the stream
   * from its beginning. Only goes back, as readers from earlier ids arrive.
   */
  floor: string | undefined;
  /** The backfills for such readers, one after the other; it never rejects. */
  extending: Promise<unknown>;
}

type Entry = [id: string, fields: string[]];

const PAGE_SIZE = 1000;
// Only an upper bound on how long a quiet loop sleeps in Redis: wake-ups interrupt it when the set changes.
const BLOCK_MS = 5000;
const RETRY_MS = 1000;
// The wake key outlives its last wake-up by this much, so a process that dies leaves nothing behind.
const WAKE_KEY_TTL_MS = 60_000;

/**
 * Follows every Redis stream that this process has readers on, with one blocking connection and one loop.
 *
 * XREAD BLOCK holds its connection until it returns, so a connection per subscriber would cost Redis a
 * client per open SSE response. Instead the loop issues a single XREAD over all followed keys, and fans
 * what it gets out through a local StreamBuffer per stream, which any number of local readers share. A
 * stream is loaded into its buffer once (XRANGE, paged) when its first local reader arrives, from that
 * reader's Last-Event-ID, so a resume fetches only what it missed; a later local reader from an earlier id
 * has the missing part put in front (one more XRANGE). A thousand subscribers on one answer cost one XRANGE
 * and one key in the XREAD. When a stream joins the set, the loop is interrupted by an XADD to this
 * process's own wake key, which every XREAD includes; leaving the set interrupts nothing (the key just drops
 * out of the next XREAD). Each XREAD returns everything that arrived since the last, so under load one round
 * trip carries many events for many streams.
 *
 * A multi-key XREAD needs its keys in one hash slot, so on a Redis Cluster this loop needs one XREAD per
 * slot; this follower is for a single Redis (or a primary with replicas), which ioredis's `Redis` is.
 */
export function createRedisStreamFollower(options: RedisStreamFollowerOptions): RedisStreamFollower {
  const { redis, wakeKey, onError } = options;
  const follows = new Map<string, Follow>();
  const stopping = new AbortController();
  let blocking: Redis | undefined;
  let loop: Promise<void> | undefined;
  let wakeLastId = '0-0';
  let reading = false;
  let wakeSent = false;
  let idle: PromiseWithResolvers<void> | undefined;

  function toEvents(entries: Entry[]): LoggedEvent[] {
    const events: LoggedEvent[] = [];
    for (const [id, fields] of entries) {
      try {
        events.push(fromEntry(id, fields));
      } catch (error) {
        // A foreign or corrupt entry: skip it rather than stall every reader of the stream on it.
        onError(error);
      }
    }
    return events;
  }

  function pushEntries(follow: Follow, entries: Entry[]): void {
    for (const event of toEvents(entries)) {
      follow.buffer.push(event);
    }
  }

  /** Pages through XRANGE from `start` (a range start: `-` or `(id`) to `end`, handing each page on. */
  async function xrangeFrom(key: string, start: string, end: string, onPage: (page: Entry[]) => void) {
    for (let from = start; ; ) {
      const page = await redis.xrange(key, from, end, 'COUNT', PAGE_SIZE);
      onPage(page);
      const last = page[page.length - 1];
      if (!last || page.length < PAGE_SIZE) {
        return;
      }
      from = `(${last[0]}`;
    }
  }

  async function load(follow: Follow): Promise<StreamBuffer | undefined> {
    const after = follow.floor;
    const start = after === undefined ? '-' : `(${after}`;
    // lastId stays unset until the last page is in, so the XREAD cannot deliver what XRANGE still pages.
    let lastId: string | undefined;
    try {
      // One round trip for the first page and the newest entry: when nothing comes after `after`, the newest
      // tells whether the stream is there at all (Redis drops a stream's key with its last entry) and whether
      // it has ended, which a reader resuming from its end needs to know instead of waiting.
      const replies = await redis
        .multi()
        .xrange(follow.key, start, '+', 'COUNT', PAGE_SIZE)
        .xrevrange(follow.key, '+', '-', 'COUNT', 1)
        .exec();
      const [first, newest] = (replies ?? []).map(([error, entries]) => {
        if (error) {
          throw error;
        }
        return entries as Entry[];
      });
      if (!first || !newest) {
        throw new Error('The load transaction was discarded.');
      }
      const [latest] = newest;
      if (!latest) {
        forget(follow);
        return undefined;
      }
      pushEntries(follow, first);
      lastId = first[first.length - 1]?.[0];
      if (first.length === PAGE_SIZE && lastId !== undefined) {
        await xrangeFrom(follow.key, `(${lastId}`, '+', (page) => {
          pushEntries(follow, page);
          lastId = page[page.length - 1]?.[0] ?? lastId;
        });
      }
      if (lastId === undefined) {
        // Nothing after `after` (an id we wrote, or a made-up one beyond): the newest entry is where the XREAD
        // goes on from, and if it is the end, holding it tells readers there is nothing to wait for.
        lastId = latest[0];
        follow.floor = lastId;
        const [newestEvent] = toEvents([latest]);
        if (newestEvent?.event.type === 'end') {
          follow.buffer.push(newestEvent);
        }
      }
    } catch (error) {
      forget(follow);
      throw redisUnavailable(error);
    }
    follow.lastId = lastId;
    if (stopping.signal.aborted) {
      follow.buffer.close();
    } else if (!follow.buffer.ended && follows.get(follow.key) === follow) {
      startReading();
    }
    return follow.buffer;
  }

  function forget(follow: Follow): void {
    if (follows.get(follow.key) === follow) {
      follows.delete(follow.key);
    }
  }

  function startReading(): void {
    if (!blocking) {
      blocking = redis.duplicate({ connectionName: options.connectionName });
      blocking.on('error', onError);
      loop = run(blocking);
    }
    if (idle) {
      idle.resolve();
    } else if (reading && !wakeSent) {
      wakeSent = true;
      redis
        .multi()
        .xadd(wakeKey, 'MAXLEN', 1, '*', 'wake', '1')
        .pexpire(wakeKey, WAKE_KEY_TTL_MS)
        .exec()
        .catch(onError);
    }
  }

  async function run(connection: Redis): Promise<void> {
    while (!stopping.signal.aborted) {
      const keys = [wakeKey];
      const ids = [wakeLastId];
      for (const follow of follows.values()) {
        if (follow.lastId !== undefined && !follow.buffer.ended) {
          keys.push(follow.key);
          ids.push(follow.lastId);
        }
      }
      if (keys.length === 1) {
        idle = Promise.withResolvers();
        await idle.promise;
        idle = undefined;
        continue;
      }
      reading = true;
      wakeSent = false;
      let reply: [key: string, entries: Entry[]][] | null;
      try {
        reply = await connection.xread('COUNT', PAGE_SIZE, 'BLOCK', BLOCK_MS, 'STREAMS', ...keys, ...ids);
        reading = false;
      } catch (error) {
        reading = false;
        if (stopping.signal.aborted) {
          return;
        }
        onError(error);
        await sleep(RETRY_MS, undefined, { signal: stopping.signal }).catch(() => undefined);
        continue;
      }
      for (const [key, entries] of reply ?? []) {
        if (key === wakeKey) {
          wakeLastId = entries[entries.length - 1]?.[0] ?? wakeLastId;
        } else {
          deliver(key, entries);
        }
      }
    }
  }

  function deliver(key: string, entries: Entry[]): void {
    const follow = follows.get(key);
    if (follow?.lastId === undefined) {
      return;
    }
    // The follow may have been dropped and loaded afresh while the XREAD ran: keep only what is new to it.
    const after = parseStreamEventId(follow.lastId);
    const fresh = entries.filter(([id]) => compareStreamEventId(id, after) > 0);
    pushEntries(follow, fresh);
    follow.lastId = fresh[fresh.length - 1]?.[0] ?? follow.lastId;
  }

  function createFollow(key: string, afterId: string | undefined): Follow {
    const follow: Follow = {
      key,
      buffer: new StreamBuffer(options.maxLength),
      loaded: Promise.resolve(undefined),
      holders: 0,
      lastId: undefined,
      floor: afterId,
      extending: Promise.resolve(),
    };
    follows.set(key, follow);
    follow.loaded = load(follow);
    // Each reader gets the rejection through its own handler; this one only keeps a load that no reader
    // awaits any more from counting as an unhandled rejection.
    follow.loaded.catch(() => undefined);
    return follow;
  }

  function covers(follow: Follow, afterId: string | undefined): boolean {
    const { floor } = follow;
    return (
      floor === undefined ||
      (afterId !== undefined && compareStreamEventId(afterId, parseStreamEventId(floor)) >= 0)
    );
  }

  /** The follow's buffer once it also holds what comes after `afterId`, before its floor. */
  function extend(follow: Follow, afterId: string | undefined): Promise<StreamBuffer | undefined> {
    const extended = follow.extending
      .then(() => follow.loaded)
      .then(async (buffer) => {
        // An earlier backfill may have covered this reader already.
        if (buffer && !covers(follow, afterId)) {
          await backfill(follow, buffer, afterId);
        }
        return buffer;
      });
    follow.extending = extended.catch(() => undefined);
    return extended;
  }

  async function backfill(follow: Follow, buffer: StreamBuffer, afterId: string | undefined): Promise<void> {
    // Everything from the first event held on is there; with none held yet, everything after the floor.
    const first = buffer.firstId;
    const end = first === undefined ? (follow.floor ?? '+') : `(${first}`;
    const events: LoggedEvent[] = [];
    try {
      await xrangeFrom(follow.key, afterId === undefined ? '-' : `(${afterId}`, end, (page) => {
        events.push(...toEvents(page));
      });
    } catch (error) {
      throw redisUnavailable(error);
    }
    buffer.prepend(events);
    follow.floor = afterId;
  }

  return {
    hold(key: string, afterId: string | undefined): FollowHold {
      const follow = follows.get(key) ?? createFollow(key, afterId);
      follow.holders++;
      return {
        buffer: covers(follow, afterId) ? follow.loaded : extend(follow, afterId),
        release() {
          follow.holders--;
          if (follow.holders === 0) {
            forget(follow);
          }
        },
      };
    },

    async close(): Promise<void> {
      stopping.abort();
      idle?.resolve();
      // disconnect, not quit: QUIT would queue behind the XREAD and wait out its BLOCK.
      blocking?.disconnect();
      await loop;
      for (const follow of follows.values()) {
        follow.buffer.close();
      }
      follows.clear();
    },
  };
}
