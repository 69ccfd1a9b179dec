import type { FinishReason } from '../../../protocol/events.ts';

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
}

/** One model turn, in provider-neutral terms. Each adapter maps it onto its provider's request. */
export interface ModelRequest {
  /** The provider's own name for the model. */
  model: string;
  messages: ChatTurn[];
  system?: string;
  temperature?: number;
  topP?: number;
  topK?: number;
  maxTokens?: number;
  stop?: string[];
  seed?: number;
}

/**
 * What a provider streams back. Failures are thrown as `AppError` with a provider code
 * (`PROVIDER_UNAVAILABLE`, `PROVIDER_TIMEOUT`, ...), before the first event or mid-stream.
 */
export type ModelEvent =
  | { type: 'text'; text: string }
  | { type: 'tool_call'; id: string; name: string; arguments: string }
  | { type: 'usage'; inputTokens: number; outputTokens: number }
  | { type: 'finish'; reason: FinishReason };

export interface Provider {
  /** Streams one model turn; aborting `signal` closes the upstream request. */
  stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelEvent>;
}
