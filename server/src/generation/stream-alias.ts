import { streamKeyOf } from './stream-key.ts';

/**
 * A generation's stream under a second name without the chat: `user:{userId}:stream:{streamId}`, in the
 * owner's hash slot like the stream key itself. The stream log sets it when `start` is appended, so a reader
 * that knows only the owner and the stream (a reconnect) finds the stream without asking the database, and
 * the alias of another principal names nothing.
 */
export function streamAliasOf(generation: { ownerId: string; streamId: string }): string {
  return `user:{${generation.ownerId}}:stream:${generation.streamId}`;
}

// Chat and stream ids are UUIDs; the owner may hold anything, so it is everything up to the last `}:chat:`.
const STREAM_KEY = /^user:\{(.*)\}:chat:([^:]+):([^:]+)$/s;

/** The alias of a key that streamKeyOf made (what the stream log is given as `aliasOf`); else undefined. */
export function streamAliasOfKey(key: string): string | undefined {
  const [, ownerId, chatId, streamId] = STREAM_KEY.exec(key) ?? [];
  if (ownerId === undefined || chatId === undefined || streamId === undefined) {
    return undefined;
  }
  // Only a key that streamKeyOf would make gets an alias, whatever that format becomes.
  return streamKeyOf({ ownerId, chatId, streamId }) === key
    ? streamAliasOf({ ownerId, streamId })
    : undefined;
}
