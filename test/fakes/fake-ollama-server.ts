import {
  type FakeRoute,
  type FakeUpstream,
  type Framing,
  fakeToken,
  replayFixture,
  type ScenarioSource,
  startFakeUpstream,
  streamReply,
} from './fake-upstream.ts';

const ndjson: Framing = { contentType: 'application/x-ndjson', frame: (line) => `${line}\n` };

/**
 * A local server speaking Ollama's native API: `POST /api/chat` and `POST /api/pull` answer NDJSON,
 * `GET /api/tags` lists the models of the `ollama-tags` fixture. A scenario's `fixture` applies to chat and
 * pull alike; pass a function of the request to tell them apart. Use `url` as OLLAMA_HOST.
 */
export function startFakeOllama(scenario: ScenarioSource = {}): Promise<FakeUpstream> {
  return startFakeUpstream({ scenario, route });
}

const route: FakeRoute = async (request, scenario) => {
  if (request.method === 'GET' && request.path === '/api/tags') {
    return replayFixture(scenario.fixture ?? 'ollama-tags', ndjson);
  }
  if (request.method !== 'POST') {
    return undefined;
  }
  if (request.path === '/api/pull') {
    return replayFixture(scenario.fixture ?? 'ollama-pull', ndjson);
  }
  if (request.path !== '/api/chat') {
    return undefined;
  }
  const model = (request.body as { model?: string } | undefined)?.model ?? 'llama3.2';
  return streamReply(scenario, ndjson, (tokens) => generate(model, tokens));
};

function generate(model: string, tokens: number): string[] {
  const createdAt = '2025-03-10T08:52:19.385406455Z';
  const lines: unknown[] = [];
  for (let index = 0; index < tokens; index++) {
    lines.push({
      model,
      created_at: createdAt,
      message: { role: 'assistant', content: fakeToken(index) },
      done: false,
    });
  }
  lines.push({
    model,
    created_at: createdAt,
    message: { role: 'assistant', content: '' },
    done_reason: 'stop',
    done: true,
    prompt_eval_count: 10,
    eval_count: tokens,
  });
  return lines.map((line) => JSON.stringify(line));
}
