import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { collectEvents } from '../../../test/fakes/collect-events.ts';
import { startFakeAnthropic } from '../../../test/fakes/fake-anthropic-server.ts';
import { startFakeOllama } from '../../../test/fakes/fake-ollama-server.ts';
import { startFakeOpenAI } from '../../../test/fakes/fake-openai-server.ts';
import type { FakeUpstream } from '../../../test/fakes/fake-upstream.ts';
import { ConfigError } from '../config.ts';
import { createModelRegistry, type ModelEntry } from './model-registry.ts';
import type { Provider } from './provider.ts';

const demo: Provider = {
  async *stream() {
    yield { type: 'finish', reason: 'stop' };
  },
};
const fakes: FakeUpstream[] = [];
let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'parley-models-'));
});
after(async () => {
  await Promise.all(fakes.map((fake) => fake.close()));
  await rm(dir, { recursive: true, force: true });
});

async function fake<T extends FakeUpstream>(start: () => Promise<T>): Promise<T> {
  const started = await start();
  fakes.push(started);
  return started;
}

async function ids(env: Record<string, string>): Promise<string[]> {
  return (await createModelRegistry(env, { demo }).list()).map((entry) => entry.id);
}

async function writeModelsFile(name: string, content: unknown): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('model registry', () => {
  test('with no provider configured lists only the demo', async () => {
    const registry = createModelRegistry({}, { demo });
    const [entry] = await registry.list();
    assert.deepEqual(
      { ...entry, providerImpl: undefined },
      {
        id: 'demo',
        label: 'Demo (built-in, offline)',
        upstreamModel: 'demo',
        contextLimit: 8192,
        pricePer1kInput: 0,
        pricePer1kOutput: 0,
        provider: 'demo',
        providerImpl: undefined,
        local: true,
      },
    );
    assert.equal(entry?.providerImpl, demo);
    assert.equal((await registry.list()).length, 1);
    assert.equal(registry.ollama, undefined);
  });

  test('each key adds its provider default models', async () => {
    assert.deepEqual(await ids({ OPENAI_API_KEY: 'sk-a' }), [
      'demo',
      'gpt-4o-mini',
      'gpt-4o',
      'gpt-4.1-mini',
      'gpt-4.1',
    ]);
    assert.deepEqual(await ids({ ANTHROPIC_API_KEY: 'sk-ant' }), [
      'demo',
      'claude-sonnet-4',
      'claude-haiku-4-5',
    ]);
    assert.deepEqual(await ids({ XAI_API_KEY: 'xai-a' }), ['demo', 'grok-3', 'grok-3-mini']);
    assert.deepEqual(
      await ids({ OPENAI_BASE_URL: 'http://127.0.0.1:1/v1' }),
      ['demo'],
      'a base URL alone is not a key',
    );
  });

  test('entries carry provider, upstream name, context limit and prices', async () => {
    const registry = createModelRegistry({ ANTHROPIC_API_KEY: 'sk-ant' }, { demo });
    const entry = (await registry.get('claude-sonnet-4')) as ModelEntry;
    assert.equal(entry.provider, 'anthropic');
    assert.equal(entry.upstreamModel, 'claude-sonnet-4-20250514');
    assert.equal(entry.contextLimit, 200_000);
    assert.equal(entry.pricePer1kInput, 0.003);
    assert.equal(entry.pricePer1kOutput, 0.015);
    assert.equal(entry.local, false);
    assert.equal(await registry.get('gpt-4o-mini'), undefined, 'OpenAI is not configured');
  });

  test('OpenAI models stream through OPENAI_BASE_URL with the key, upstream name and max_tokens', async () => {
    const openai = await fake(() => startFakeOpenAI({ tokens: 3 }));
    const registry = createModelRegistry(
      { OPENAI_API_KEY: 'sk-a', OPENAI_BASE_URL: `${openai.url}/v1` },
      { demo },
    );
    const entry = (await registry.get('gpt-4.1')) as ModelEntry;
    const { events } = await collectEvents(entry.providerImpl, {
      model: entry.upstreamModel,
      messages: [{ role: 'user', content: 'Hi' }],
      maxTokens: 10,
    });
    assert.deepEqual(events.at(-1), { type: 'finish', reason: 'stop' });
    const body = openai.requests[0]?.body as Record<string, unknown>;
    assert.equal(body.model, 'gpt-4.1');
    assert.equal(body.max_tokens, 10);
    assert.equal(openai.requests[0]?.headers.authorization, 'Bearer sk-a');
  });

  test('xAI and Anthropic stream through their base URLs', async () => {
    const xai = await fake(() => startFakeOpenAI({ tokens: 2 }));
    const anthropic = await fake(() => startFakeAnthropic({ tokens: 2 }));
    const registry = createModelRegistry(
      {
        XAI_API_KEY: 'xai-a',
        XAI_BASE_URL: `${xai.url}/v1`,
        ANTHROPIC_API_KEY: 'sk-ant',
        ANTHROPIC_BASE_URL: anthropic.url,
      },
      { demo },
    );
    for (const id of ['grok-3-mini', 'claude-haiku-4-5']) {
      const entry = (await registry.get(id)) as ModelEntry;
      const { error } = await collectEvents(entry.providerImpl, {
        model: entry.upstreamModel,
        messages: [{ role: 'user', content: 'Hi' }],
      });
      assert.equal(error, undefined);
    }
    assert.equal((xai.requests[0]?.body as { model?: string } | undefined)?.model, 'grok-3-mini');
    assert.equal(xai.requests[0]?.headers.authorization, 'Bearer xai-a');
    assert.equal(
      (anthropic.requests[0]?.body as { model?: string } | undefined)?.model,
      'claude-haiku-4-5-20251001',
    );
  });

  test('an OpenAI-compatible server contributes the listed models under its name', async () => {
    const vllm = await fake(() => startFakeOpenAI({ tokens: 2 }));
    const registry = createModelRegistry(
      {
        OPENAI_COMPATIBLE_BASE_URL: `${vllm.url}/v1`,
        OPENAI_COMPATIBLE_NAME: 'vllm',
        OPENAI_COMPATIBLE_MODELS: 'qwen2.5-7b, llama-3.1-8b',
        OPENAI_COMPATIBLE_CONTEXT_LIMIT: '32768',
      },
      { demo },
    );
    assert.deepEqual(
      (await registry.list()).map(({ id, provider, upstreamModel, contextLimit }) => ({
        id,
        provider,
        upstreamModel,
        contextLimit,
      })),
      [
        { id: 'demo', provider: 'demo', upstreamModel: 'demo', contextLimit: 8192 },
        { id: 'vllm/qwen2.5-7b', provider: 'vllm', upstreamModel: 'qwen2.5-7b', contextLimit: 32768 },
        { id: 'vllm/llama-3.1-8b', provider: 'vllm', upstreamModel: 'llama-3.1-8b', contextLimit: 32768 },
      ],
    );
    const entry = (await registry.get('vllm/qwen2.5-7b')) as ModelEntry;
    await collectEvents(entry.providerImpl, {
      model: entry.upstreamModel,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    assert.equal(vllm.requests[0]?.headers.authorization, undefined);
    assert.throws(
      () => createModelRegistry({ OPENAI_COMPATIBLE_BASE_URL: 'http://127.0.0.1:1/v1' }, { demo }),
      ConfigError,
    );
  });

  describe('Ollama', () => {
    test('lists the installed models, discovered through /api/tags', async () => {
      const ollama = await fake(() => startFakeOllama());
      const registry = createModelRegistry(
        { OLLAMA_HOST: ollama.url, OLLAMA_CONTEXT_LENGTH: '8192' },
        { demo },
      );
      const entries = await registry.list();
      assert.deepEqual(
        entries.map(({ id, label, upstreamModel, contextLimit, provider, local }) => ({
          id,
          label,
          upstreamModel,
          contextLimit,
          provider,
          local,
        })),
        [
          {
            id: 'demo',
            label: 'Demo (built-in, offline)',
            upstreamModel: 'demo',
            contextLimit: 8192,
            provider: 'demo',
            local: true,
          },
          {
            id: 'ollama/llama3.2:latest',
            label: 'llama3.2:latest (Ollama, 3.2B)',
            upstreamModel: 'llama3.2:latest',
            contextLimit: 8192,
            provider: 'ollama',
            local: false,
          },
          {
            id: 'ollama/qwen2.5-coder:7b',
            label: 'qwen2.5-coder:7b (Ollama, 7.6B)',
            upstreamModel: 'qwen2.5-coder:7b',
            contextLimit: 8192,
            provider: 'ollama',
            local: false,
          },
        ],
      );
      assert.deepEqual(registry.ollama, { host: ollama.url, timeouts: registry.ollama?.timeouts });

      await registry.list();
      assert.equal(ollama.requests.length, 1, 'a fresh list is reused');
      assert.equal(await registry.get('ollama/not-pulled-yet'), undefined);
      assert.equal(ollama.requests.length, 2, 'an unknown Ollama id rereads the list');

      const entry = (await registry.get('ollama/llama3.2:latest')) as ModelEntry;
      const { events } = await collectEvents(entry.providerImpl, {
        model: entry.upstreamModel,
        messages: [{ role: 'user', content: 'Hi' }],
      });
      assert.deepEqual(events.at(-1), { type: 'finish', reason: 'stop' });
    });

    test('an unreachable Ollama hides only its own models, and refresh says why', async () => {
      const ollama = await fake(() => startFakeOllama());
      await ollama.close();
      const registry = createModelRegistry({ OLLAMA_HOST: ollama.url, XAI_API_KEY: 'xai-a' }, { demo });
      assert.deepEqual(
        (await registry.list()).map((entry) => entry.id),
        ['demo', 'grok-3', 'grok-3-mini'],
      );
      await assert.rejects(registry.refresh(), { code: 'PROVIDER_UNAVAILABLE' });
    });
  });

  describe('MODELS_FILE', () => {
    test('adds providers and models, and overrides defaults', async () => {
      const local = await fake(() => startFakeOpenAI({ tokens: 2 }));
      const file = await writeModelsFile('models.json', {
        providers: [
          { name: 'lmstudio', type: 'openai', baseUrl: `${local.url}/v1`, apiKeyEnv: 'LMSTUDIO_KEY' },
        ],
        models: [
          { id: 'phi-4', provider: 'lmstudio', upstreamModel: 'microsoft/phi-4', contextLimit: 16384 },
          {
            id: 'gpt-4o-mini',
            provider: 'openai',
            label: 'GPT-4o mini (discounted)',
            pricePer1kInput: 0.0001,
          },
          { id: 'claude-opus-4', provider: 'anthropic' },
        ],
      });
      const registry = createModelRegistry(
        { MODELS_FILE: file, LMSTUDIO_KEY: 'lm-key', OPENAI_API_KEY: 'sk-a' },
        { demo },
      );
      const list = await registry.list();
      assert.deepEqual(
        list.map((entry) => entry.id),
        ['demo', 'gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini', 'gpt-4.1', 'phi-4'],
        'models of an unconfigured provider (anthropic) are left out',
      );
      const phi = list.find((entry) => entry.id === 'phi-4') as ModelEntry;
      assert.deepEqual(
        { ...phi, providerImpl: undefined },
        {
          id: 'phi-4',
          label: 'microsoft/phi-4',
          upstreamModel: 'microsoft/phi-4',
          contextLimit: 16384,
          pricePer1kInput: 0,
          pricePer1kOutput: 0,
          provider: 'lmstudio',
          providerImpl: undefined,
          local: false,
        },
      );
      const mini = list.find((entry) => entry.id === 'gpt-4o-mini') as ModelEntry;
      assert.equal(mini.label, 'GPT-4o mini (discounted)');
      assert.equal(mini.pricePer1kInput, 0.0001);
      assert.equal(mini.upstreamModel, 'gpt-4o-mini');

      await collectEvents(phi.providerImpl, {
        model: phi.upstreamModel,
        messages: [{ role: 'user', content: 'Hi' }],
      });
      assert.equal(local.requests[0]?.headers.authorization, 'Bearer lm-key');
    });

    test('an invalid file stops the start with the place of the problem', async () => {
      const notJson = await writeModelsFile('broken.json', '{ "models": [');
      assert.throws(() => createModelRegistry({ MODELS_FILE: notJson }, { demo }), ConfigError);
      const wrongShape = await writeModelsFile('wrong.json', {
        models: [{ id: 'x', provider: 'openai', price: 1 }],
      });
      assert.throws(
        () => createModelRegistry({ MODELS_FILE: wrongShape }, { demo }),
        /MODELS_FILE .*\/models\/0/,
      );
      const missingKey = await writeModelsFile('key.json', {
        providers: [{ name: 'p', type: 'openai', baseUrl: 'http://127.0.0.1:1/v1', apiKeyEnv: 'P_KEY' }],
      });
      assert.throws(() => createModelRegistry({ MODELS_FILE: missingKey }, { demo }), /P_KEY/);
      const twice = await writeModelsFile('twice.json', {
        providers: [{ name: 'openai', type: 'openai', baseUrl: 'http://127.0.0.1:1/v1' }],
      });
      assert.throws(
        () => createModelRegistry({ MODELS_FILE: twice, OPENAI_API_KEY: 'sk-a' }, { demo }),
        /twice/,
      );
    });
  });

  test('provider timeouts come from the environment', async () => {
    const hanging = await fake(() => startFakeOpenAI({ hang: true }));
    const registry = createModelRegistry(
      { OPENAI_API_KEY: 'sk-a', OPENAI_BASE_URL: `${hanging.url}/v1`, PROVIDER_CONNECT_TIMEOUT_MS: '50' },
      { demo },
    );
    const entry = (await registry.get('gpt-4o')) as ModelEntry;
    const { error } = await collectEvents(entry.providerImpl, { model: 'gpt-4o', messages: [] });
    assert.equal((error as { code?: string }).code, 'PROVIDER_TIMEOUT');
    assert.match((error as Error).message, /50 ms/);
    assert.throws(
      () => createModelRegistry({ PROVIDER_IDLE_TIMEOUT_MS: 'soon' }, { demo }),
      /PROVIDER_IDLE_TIMEOUT_MS/,
    );
  });
});
