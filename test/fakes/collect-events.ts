import type { ModelEvent, ModelRequest, Provider } from '../../server/src/providers/provider.ts';

/** Drains one provider stream: every event it yielded, and what it threw (undefined when it finished). */
export async function collectEvents(
  provider: Provider,
  request: ModelRequest,
  signal: AbortSignal = new AbortController().signal,
): Promise<{ events: ModelEvent[]; error: unknown }> {
  const events: ModelEvent[] = [];
  try {
    for await (const event of provider.stream(request, signal)) {
      events.push(event);
    }
    return { events, error: undefined };
  } catch (error) {
    return { events, error };
  }
}

/** Every event of a stream that must not fail: a failure rejects, failing the test with it. */
export async function streamEvents(provider: Provider, request: ModelRequest): Promise<ModelEvent[]> {
  const { events, error } = await collectEvents(provider, request);
  if (error !== undefined) {
    throw error;
  }
  return events;
}

/** The `text` events that stream `pieces`, in order. */
export function textEvents(...pieces: string[]): ModelEvent[] {
  return pieces.map((text) => ({ type: 'text', text }));
}
