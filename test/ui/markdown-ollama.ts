import { type FakeUpstream, replayFixture, startFakeUpstream } from '../fakes/fake-upstream.ts';

/** The answer of the fake Ollama model: the Markdown a chat model writes, to show how the UI renders it. */
export const markdownAnswer = [
  'Here is a quick comparison, and a function that does it.',
  '',
  '| Transport | Direction | Reconnects |',
  '| --- | --- | --- |',
  '| SSE | server → client | built in |',
  '| WebSocket | both ways | by hand |',
  '',
  '1. Send the prompt with **POST**.',
  '2. Read the answer as `text/event-stream`.',
  '',
  '```ts',
  'export async function* readTokens(response: Response): AsyncGenerator<string> {',
  '  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();',
  '  for (;;) {',
  '    const { done, value } = await reader.read();',
  '    if (done) return;',
  '    yield value; // one chunk of the answer',
  '  }',
  '}',
  '```',
  '',
  '> Resume with `Last-Event-ID` and nothing is lost.',
].join('\n');

const ndjson = { contentType: 'application/x-ndjson', frame: (line: string) => `${line}\n` };

function chatFrames(model: string): string[] {
  const pieces = markdownAnswer.match(/.{1,6}/gs) ?? [];
  const lines: object[] = pieces.map((content) => ({
    model,
    message: { role: 'assistant', content },
    done: false,
  }));
  lines.push({ model, message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop' });
  return lines.map((line) => ndjson.frame(JSON.stringify(line)));
}

/**
 * A local server speaking Ollama's API (`/api/tags`, `/api/pull`, `/api/chat`) whose model answers with
 * tables, lists and code: Parley reaches it as OLLAMA_HOST, exactly as it would a real Ollama.
 */
export function startMarkdownOllama(): Promise<FakeUpstream> {
  return startFakeUpstream({
    scenario: (request) => ({ interTokenDelayMs: request.path === '/api/pull' ? 400 : 8 }),
    async route(request) {
      if (request.method === 'GET' && request.path === '/api/tags') {
        return replayFixture('ollama-tags', ndjson);
      }
      if (request.method === 'POST' && request.path === '/api/pull') {
        return replayFixture('ollama-pull', ndjson);
      }
      if (request.method === 'POST' && request.path === '/api/chat') {
        const model = (request.body as { model?: string }).model ?? 'llama3.2';
        return { kind: 'stream', contentType: ndjson.contentType, frames: chatFrames(model) };
      }
      return undefined;
    },
  });
}
