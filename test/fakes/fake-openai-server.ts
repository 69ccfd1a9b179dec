import {
  defaultTokens,
  type FakeRoute,
  type FakeUpstream,
  type Framing,
  fakeAnswer,
  fakeToken,
  type ScenarioSource,
  startFakeUpstream,
  streamReply,
} from './fake-upstream.ts';

const sse: Framing = {
  contentType: 'text/event-stream; charset=utf-8',
  frame: (line) => `data: ${line}\n\n`,
};

/**
 * A local server speaking OpenAI's Chat Completions format (also xAI's and every OpenAI-compatible server's):
 * `POST …/chat/completions` with `stream: true` answers `data: <chunk>` frames ending with `data: [DONE]` (and a
 * usage chunk when `stream_options.include_usage` asks), without it one `chat.completion`; `GET …/models` lists
 * the model. Use `${url}/v1` as the adapter's base URL.
 */
export function startFakeOpenAI(scenario: ScenarioSource = {}): Promise<FakeUpstream> {
  return startFakeUpstream({ scenario, route });
}

/** Parley's environment for a provider `local` whose one model, `local/fake-model`, this fake at `url` serves. */
export function fakeOpenAIEnv(url: string): Record<string, string> {
  return {
    OPENAI_COMPATIBLE_BASE_URL: `${url}/v1`,
    OPENAI_COMPATIBLE_MODELS: fakeModel.id,
    OPENAI_COMPATIBLE_NAME: 'local',
  };
}

const route: FakeRoute = async (request, scenario) => {
  if (request.method === 'GET' && request.path.endsWith('/models')) {
    return { kind: 'json', status: 200, headers: {}, body: { object: 'list', data: [fakeModel] } };
  }
  if (request.method !== 'POST' || !request.path.endsWith('/chat/completions')) {
    return undefined;
  }
  const body = (request.body ?? {}) as ChatBody;
  if (!scenario.fixture && body.stream !== true) {
    return {
      kind: 'json',
      status: 200,
      headers: {},
      body: completion(body, scenario.tokens ?? defaultTokens),
    };
  }
  return streamReply(scenario, sse, (tokens) => generate(body, tokens));
};

const fakeModel = { id: 'fake-model', object: 'model', created: 1_700_000_000, owned_by: 'fake' };

interface ChatBody {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

function completion(body: ChatBody, tokens: number) {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: body.model ?? 'fake-model',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: fakeAnswer(tokens) },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 10, completion_tokens: tokens, total_tokens: 10 + tokens },
  };
}

function generate(body: ChatBody, tokens: number): string[] {
  const chunk = (choices: unknown[], usage: unknown = null) =>
    JSON.stringify({
      id: 'chatcmpl-fake',
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model: body.model ?? 'fake-model',
      choices,
      usage,
    });
  const delta = (value: Record<string, unknown>, finishReason: string | null = null) => [
    { index: 0, delta: value, logprobs: null, finish_reason: finishReason },
  ];
  const lines = [chunk(delta({ role: 'assistant', content: '' }))];
  for (let index = 0; index < tokens; index++) {
    lines.push(chunk(delta({ content: fakeToken(index) })));
  }
  lines.push(chunk(delta({}, 'stop')));
  if (body.stream_options?.include_usage) {
    lines.push(chunk([], { prompt_tokens: 10, completion_tokens: tokens, total_tokens: 10 + tokens }));
  }
  lines.push('[DONE]');
  return lines;
}
