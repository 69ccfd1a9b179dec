import type { LoggedEvent, StreamEvent } from '../../../protocol/events.ts';

/**
 * The append-only log of a generation's events. Every subscriber reads from it, so a client can resume
 * from any event id, on any instance, with nothing lost and nothing repeated.
 */
export interface StreamLog {
  /**
   * Appends one event; returns its id, which the SSE `id:` field carries. Ids increase monotonically within
   * a stream. Appending `end` closes the stream: it expires after the configured time.
   */
  append(streamId: string, event: StreamEvent): Promise<string>;
  /**
   * Replays everything after `afterId` (from the start when undefined), then follows live until `end` or
   * abort. An unknown or expired stream yields nothing.
   */
  read(streamId: string, afterId: string | undefined, signal: AbortSignal): AsyncIterable<LoggedEvent>;
  /** Everything the log holds of a stream now, without following: what a takeover saves. */
  range(streamId: string): Promise<LoggedEvent[]>;
  /** True while the stream is in the log: live, or ended and not yet expired. */
  exists(streamId: string): Promise<boolean>;
  /** Releases connections and wakes every reader so it can finish. */
  close(): Promise<void>;
}

export interface StreamLogOptions {
  /** Oldest events are trimmed beyond this many per stream. */
  maxLength: number;
  /** How long an ended stream stays readable. */
  ttlAfterEndMs: number;
}
