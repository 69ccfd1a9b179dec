import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { startFakeAnthropic } from './fake-anthropic-server.ts';
import { startFakeOllama } from './fake-ollama-server.ts';
import { startFakeOpenAI } from './fake-openai-server.ts';
import { type FakeUpstream, fakeAnswer } from './fake-upstream.ts';

const fakes: FakeUpstream[] = [];
after(() => Promise.all(fakes.map((fake) => fake.close())));

async function track<T extends FakeUpstream>(fake: Promise<T>): Promise<T> {
  fakes.push(await fake);
  return fake;
}

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('fake upstreams', () => {
  test('OpenAI: a generated stream, byte for byte, with the usage chunk asked for', async () => {
    const fake = await track(startFakeOpenAI({ tokens: 2 }));
    const response = await post(`${fake.url}/v1/chat/completions`, {
      model: 'm',
      stream: true,
      stream_options: { include_usage: true },
    });
    assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const head =
      '{"id":"chatcmpl-fake","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":';
    const choice = (delta: string, finish = 'null') =>
      `[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}],"usage":null}`;
    assert.equal(
      await response.text(),
      [
        `data: ${head}${choice('{"role":"assistant","content":""}')}\n\n`,
        `data: ${head}${choice('{"content":"Parley"}')}\n\n`,
        `data: ${head}${choice('{"content":" streams"}')}\n\n`,
        `data: ${head}${choice('{}', '"stop"')}\n\n`,
        `data: ${head}[],"usage":{"prompt_tokens":10,"completion_tokens":2,"total_tokens":12}}\n\n`,
        'data: [DONE]\n\n',
      ].join(''),
    );
  });

  test('OpenAI: without stream, one chat.completion; /models lists the model', async () => {
    const fake = await track(startFakeOpenAI({ tokens: 3 }));
    const completion = (await (await post(`${fake.url}/v1/chat/completions`, { model: 'm' })).json()) as {
      object: string;
      choices: { message: { content: string } }[];
      usage: unknown;
    };
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.choices[0]?.message.content, fakeAnswer(3));
    assert.deepEqual(completion.usage, { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 });
    const models = (await (await fetch(`${fake.url}/v1/models`)).json()) as { data: { id: string }[] };
    assert.equal(models.data[0]?.id, 'fake-model');
  });

  test('Anthropic: each event is named after its type', async () => {
    const fake = await track(startFakeAnthropic({ fixture: 'anthropic-text' }));
    const text = await (await post(`${fake.url}/v1/messages`, { model: 'm', stream: true })).text();
    const names = [...text.matchAll(/^event: (\w+)$/gm)].map((match) => match[1]);
    assert.deepEqual(names, [
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    assert.match(text, /^event: ping\ndata: \{"type":"ping"\}\n\n/m);
  });

  test('Ollama: NDJSON lines, and the request is recorded', async () => {
    const fake = await track(startFakeOllama({ tokens: 2 }));
    const response = await post(`${fake.url}/api/chat`, { model: 'llama3.2', messages: [] });
    assert.equal(response.headers.get('content-type'), 'application/x-ndjson');
    const lines = (await response.text())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.deepEqual(
      lines.map((line) => [line.message.content, line.done]),
      [
        ['Parley', false],
        [' streams', false],
        ['', true],
      ],
    );
    assert.deepEqual(fake.requests[0]?.body, { model: 'llama3.2', messages: [] });
    assert.equal(fake.requests[0]?.path, '/api/chat');
    assert.deepEqual(await fake.requests[0]?.closed.then((closed) => closed.finished), true);
  });

  test('a client that leaves is seen: the request closes unfinished and its socket goes', async () => {
    const fake = await track(startFakeOpenAI({ tokens: 1000, interTokenDelayMs: 5 }));
    const controller = new AbortController();
    const response = await fetch(`${fake.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm', stream: true }),
      signal: controller.signal,
    });
    await response.body?.getReader().read();
    assert.equal(fake.connections(), 1);
    controller.abort();
    assert.equal((await fake.requests[0]?.closed)?.finished, false);
    for (let waited = 0; fake.connections() > 0 && waited < 1000; waited += 5) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal(fake.connections(), 0);
  });
});
