import { getState, setState } from './store.ts';

// Tokens arrive far faster than frames: collect them and touch the store once per frame, so the streaming
// answer renders at most 60 times a second and nothing else renders at all.
const pending = new Map<string, string>();
let cancelScheduled: (() => void) | undefined;

function run(): void {
  cancelScheduled = undefined;
  flushText();
}

function schedule(): void {
  if (cancelScheduled) {
    return;
  }
  // A hidden tab gets no animation frames; a timer keeps its store current for when it comes back.
  if (document.hidden) {
    const timer = window.setTimeout(run, 250);
    cancelScheduled = () => clearTimeout(timer);
  } else {
    const frame = requestAnimationFrame(run);
    cancelScheduled = () => cancelAnimationFrame(frame);
  }
}

export function appendText(messageId: string, text: string): void {
  pending.set(messageId, (pending.get(messageId) ?? '') + text);
  schedule();
}

/** Applies every collected piece now: before an answer ends, is reset, or is renamed. */
export function flushText(): void {
  cancelScheduled?.();
  cancelScheduled = undefined;
  if (pending.size === 0) {
    return;
  }
  const { messages } = getState();
  const updated = { ...messages };
  for (const [id, text] of pending) {
    const message = updated[id];
    if (message) {
      updated[id] = { ...message, content: message.content + text };
    }
  }
  pending.clear();
  setState({ messages: updated });
}

/** Drops collected text of one answer: `start` means its text begins again. */
export function discardText(messageId: string): void {
  pending.delete(messageId);
}
