import type { LoggedEvent, StreamEvent } from '../../../protocol/events.ts';

/** A stream found in the log and loaded for one reader: call it once, and the read holds the stream. */
export type OpenedStream = (signal: AbortSignal) => AsyncIterable<LoggedEvent>;

/**
 * The append-only log of a generation's events. Every subscriber reads from it, so a client can resume
 * from any event id, on any instance, with nothing lost and nothing repeated.
 */
export interface StreamLog {
  /**
   * Appends one event; returns its id, which the SSE `id:` field carries. Ids increase monotonically within
   * a stream: the log makes one, or takes `id` (`<ms>-<seq>`) from a writer that hands its events out before
   * they are stored, and refuses with `StaleEventIdError` an id not above the stream's last. Appending `start`
   * gives the stream its alias, if `aliasOf` names one. Appending `end` closes the stream: it (and its alias)
   * expires after the configured time.
   */
  append(streamId: string, event: StreamEvent, id?: string): Promise<string>;
  /**
   * Replays everything after `afterId` (from the start when undefined), then follows live until `end` or
   * abort. An unknown or expired stream yields nothing.
   */
  read(streamId: string, afterId: string | undefined, signal: AbortSignal): AsyncIterable<LoggedEvent>;
  /**
   * `exists` and `read` in one step: loads the stream for a reader after `afterId`, or resolves undefined
   * when the log does not have it, so a caller can still answer 404 before sending anything.
   */
  open(streamId: string, afterId: string | undefined): Promise<OpenedStream | undefined>;
  /** The stream whose `start` gave it this alias, while it is in the log. */
  findAlias(alias: string): Promise<string | undefined>;
  /** Everything the log holds of a stream now, without following: what a takeover saves. */
  range(streamId: string): Promise<LoggedEvent[]>;
  /** True while the stream is in the log: live, or ended and not yet expired. */
  exists(streamId: string): Promise<boolean>;
  /**
   * Forgets these streams and their aliases now instead of when they expire (their chat was deleted): a read
   * or `open` after this finds nothing. Streams the log does not have are skipped. A reader already following
   * a stream is not ended by this, so remove a stream once it has ended.
   */
  remove(streamIds: string[]): Promise<void>;
  /** Releases connections and wakes every reader so it can finish. */
  close(): Promise<void>;
}

export interface StreamLogOptions {
  /** Oldest events are trimmed beyond this many per stream. */
  maxLength: number;
  /** How long an ended stream stays readable. */
  ttlAfterEndMs: number;
  /**
   * A second name for a stream, which `findAlias` turns back into its id: a generation's stream is keyed by
   * its chat as well, and the alias lets a reader that knows only the owner and the generation find it.
   */
  aliasOf?: (streamId: string) => string | undefined;
}

/** An append whose id is not above the stream's last: someone else wrote the stream, or this very event is in. */
export class StaleEventIdError extends Error {
  constructor(streamId: string, id: string) {
    super(`event id ${id} is not above the last one of stream ${streamId}`);
    this.name = 'StaleEventIdError';
  }
}
