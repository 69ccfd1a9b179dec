import type { ErrorCode } from './errors.ts';

/** How an answer ended, as saved on its message. `streaming` while it is being generated. */
export type MessageStatus = 'streaming' | 'complete' | 'cancelled' | 'error' | 'interrupted';

/** Why the model stopped, in the vocabulary OpenAI made common. */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'cancelled' | 'error';

export interface StartData {
  /** The generation's id; equal to the assistant message id, so a finished stream is found in the database. */
  streamId: string;
  chatId: string;
  messageId: string;
  /** The user message this answer replies to. */
  userMessageId: string;
  model: string;
  /** True when the answer is replayed from the response cache. */
  cached: boolean;
  createdAt: string;
  /**
   * A short-lived signed token for `GET /api/streams/:id?token=`, which EventSource needs because it cannot
   * send headers. Added per subscriber when the event is sent; never stored in the stream log.
   */
  token?: string;
}

export interface TextData {
  text: string;
}

export interface ToolCallData {
  id: string;
  name: string;
  /** The arguments as the model produced them: a JSON string. */
  arguments: string;
}

export interface UsageData {
  inputTokens: number;
  outputTokens: number;
}

export interface ErrorData {
  code: ErrorCode;
  message: string;
}

export interface EndData {
  status: Exclude<MessageStatus, 'streaming'>;
  finishReason: FinishReason;
}

/**
 * The native events of a generation (seed 004's vocabulary). Each is one SSE event: `event:` is `type`,
 * `data:` is the JSON of `data`, and `id:` is the stream log id.
 */
export type StreamEvent =
  | { type: 'start'; data: StartData }
  | { type: 'text'; data: TextData }
  | { type: 'tool_call'; data: ToolCallData }
  | { type: 'usage'; data: UsageData }
  | { type: 'ping'; data: Record<string, never> }
  | { type: 'error'; data: ErrorData }
  | { type: 'cancel'; data: Record<string, never> }
  | { type: 'end'; data: EndData };

export type StreamEventType = StreamEvent['type'];

/** An event as stored in the stream log, with the monotonic id that SSE sends as `id:`. */
export interface LoggedEvent {
  id: string;
  event: StreamEvent;
}
