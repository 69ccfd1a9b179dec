import {
  type FakeRoute,
  type FakeUpstream,
  type Framing,
  fakeToken,
  type ScenarioSource,
  startFakeUpstream,
  streamReply,
} from './fake-upstream.ts';

// Anthropic names every event twice: in the SSE `event:` field and in the data's `type`. Fixture lines hold the
// data; the event name is read back from it (even from a deliberately truncated line).
const sse: Framing = {
  contentType: 'text/event-stream; charset=utf-8',
  frame: (line) => `event: ${/"type":"(\w+)"/.exec(line)?.[1] ?? 'message'}\ndata: ${line}\n\n`,
};

/**
 * A local server speaking the Anthropic Messages streaming format: `POST /v1/messages` answers `message_start`,
 * `content_block_*`, `ping`, `message_delta` and `message_stop` events. Use `url` as the adapter's base URL.
 */
export function startFakeAnthropic(scenario: ScenarioSource = {}): Promise<FakeUpstream> {
  return startFakeUpstream({ scenario, route });
}

const route: FakeRoute = async (request, scenario) => {
  if (request.method !== 'POST' || request.path !== '/v1/messages') {
    return undefined;
  }
  const model = (request.body as { model?: string } | undefined)?.model ?? 'claude-fake';
  return streamReply(scenario, sse, (tokens) => generate(model, tokens));
};

function generate(model: string, tokens: number): string[] {
  const lines: unknown[] = [
    {
      type: 'message_start',
      message: {
        id: 'msg_fake',
        type: 'message',
        role: 'assistant',
        content: [],
        model,
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 10, output_tokens: 1 },
      },
    },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'ping' },
  ];
  for (let index = 0; index < tokens; index++) {
    lines.push({
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: fakeToken(index) },
    });
  }
  lines.push(
    { type: 'content_block_stop', index: 0 },
    {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: tokens },
    },
    { type: 'message_stop' },
  );
  return lines.map((line) => JSON.stringify(line));
}
