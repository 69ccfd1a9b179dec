import type { ReplyMessage, RequestMessage } from './messages.ts';

/**
 * The child side of `forkWorker`: announces `ready`, answers each request with `handle`, and exits when the
 * orchestrator goes away, so no bench process outlives a run that crashed.
 */
export function serveParent(ready: unknown, handle: (request: unknown) => Promise<unknown>): void {
  const send = (message: unknown) => process.send?.(message);
  process.on('message', (message: RequestMessage) => {
    handle(message.request).then(
      (result) => send({ id: message.id, result } satisfies ReplyMessage),
      (error: unknown) =>
        send({
          id: message.id,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        } satisfies ReplyMessage),
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  send({ ready });
}
