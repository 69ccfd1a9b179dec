import type { EndData } from '../../../protocol/events.ts';

/** What the core reports as it works; the Prometheus implementation turns it into `/metrics`. */
export interface Metrics {
  generationStarted(model: string, cached: boolean): void;
  generationEnded(model: string, status: EndData['status']): void;
  /** Seconds from the start of a generation to its first text. */
  firstToken(model: string, seconds: number): void;
  outputTokens(model: string, count: number, seconds: number): void;
  providerError(model: string, code: string): void;
  subscriberOpened(): void;
  subscriberClosed(): void;
}
