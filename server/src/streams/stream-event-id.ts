import { AppError } from '../app-error.ts';

/**
 * A stream event id as Redis Streams writes it, `<ms>-<seq>`, taken apart. Both stream logs use this one
 * format, so a client resumes the same way whatever the engine.
 */
export interface StreamEventId {
  ms: number;
  seq: number;
}

// Redis allows 64-bit parts, but the ids we hand out are milliseconds and small counters; capping at 2^53 - 1
// keeps every id comparable as a JS number, and anything bigger was never an id of ours.
const ID_PATTERN = /^(\d{1,16})-(\d{1,16})$/;

/**
 * Reads an id a client sent back (SSE `Last-Event-ID`): two decimal integers of at most 2^53 - 1 joined by
 * `-`. Anything else is a VALIDATION_FAILED on `lastEventId`, thrown before any event is read.
 */
export function parseStreamEventId(id: string): StreamEventId {
  const match = ID_PATTERN.exec(id);
  const ms = Number(match?.[1]);
  const seq = Number(match?.[2]);
  if (!match || !Number.isSafeInteger(ms) || !Number.isSafeInteger(seq)) {
    throw new AppError('VALIDATION_FAILED', {
      message: 'Last-Event-ID must be a stream event id such as 1700000000000-0.',
      field: 'lastEventId',
    });
  }
  return { ms, seq };
}

/**
 * The id that follows `last` at `time`, as Redis makes them: a new millisecond starts at seq 0, anything else
 * (the same millisecond, a clock gone back) counts on. From { ms: 0, seq: 0 }, the first id is never 0-0, which
 * would equal "from the start".
 */
export function nextStreamEventId(last: StreamEventId, time: number): StreamEventId {
  return time > last.ms ? { ms: time, seq: 0 } : { ms: last.ms, seq: last.seq + 1 };
}

export function formatStreamEventId(ms: number, seq: number): string {
  return `${ms}-${seq}`;
}

/** Orders a well-formed id (one the log wrote) against a parsed one: negative when `id` comes first. */
export function compareStreamEventId(id: string, other: StreamEventId): number {
  const dash = id.indexOf('-');
  const ms = Number(id.slice(0, dash));
  return ms === other.ms ? Number(id.slice(dash + 1)) - other.seq : ms - other.ms;
}
