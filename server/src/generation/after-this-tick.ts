/**
 * Resolves once the work this tick has queued has run: Node's own (a kept-alive socket is handed to a new
 * request on the next tick, which is when its bytes go out) and the promise callbacks queued so far (a reader
 * waiting for the event just made).
 */
export function afterThisTick(): Promise<void> {
  return new Promise((resolve) => process.nextTick(resolve));
}
