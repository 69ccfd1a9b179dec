import {
  type FakeReply,
  type FakeScenario,
  type FakeUpstream,
  fakeToken,
  type RecordedRequest,
  replayFixture,
  type ScenarioSource,
  startFakeUpstream,
} from './fake-upstream.ts';

const ndjson = { contentType: 'application/x-ndjson', frame: (line: string) => `${line}\n` };

/**
 * A local server speaking Ollama's native API: `POST /api/chat` and `POST /api/pull` answer NDJSON,
 * `GET /api/tags` lists the models of the `ollama-tags` fixture. A scenario's `fixture` applies to chat and
 * pull alike; pass a function of the request to tell them apart. Use `url` as OLLAMA_HOST.
 */
export function startFakeOllama(scenario: ScenarioSource = {}): Promise<FakeUpstream> {
  return startFakeUpstream({ scenario, route });
}

async function route(request: RecordedRequest, scenario: FakeScenario): Promise<FakeReply | undefined> {
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
  if (scenario.fixture) {
    return replayFixture(scenario.fixture, ndjson);
  }
  const model = (request.body as { model?: string }).model ?? 'llama3.2';
  return {
    kind: 'stream',
    contentType: ndjson.contentType,
    frames: generate(model, scenario.tokens ?? 20).map(ndjson.frame),
  };
}

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
