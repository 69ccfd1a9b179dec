/** A request from the orchestrator to a bench process. */
export interface RequestMessage {
  id: number;
  request: unknown;
}

/** The answer to one request: `result`, or `error` with the failure's text. */
export interface ReplyMessage {
  id: number;
  result?: unknown;
  error?: string;
}
