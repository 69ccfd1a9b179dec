import { readFileSync } from 'node:fs';
import { type Static, Type } from 'typebox';
import { Value } from 'typebox/value';
import { ConfigError } from '../config.ts';
import { anthropicModels } from './anthropic/anthropic-models.ts';
import { createAnthropicProvider } from './anthropic/anthropic-provider.ts';
import { normalizeOllamaHost } from './ollama/ollama-host.ts';
import { listOllamaModels } from './ollama/ollama-models.ts';
import { createOllamaProvider, type OllamaOptions } from './ollama/ollama-provider.ts';
import { openaiModels, xaiModels } from './openai/openai-models.ts';
import { createOpenAIProvider } from './openai/openai-provider.ts';
import type { Provider } from './provider.ts';
import { defaultProviderTimeouts, type ProviderTimeouts } from './provider-errors.ts';

/** A model as configured: what clients see, what the provider calls it, and what it costs. */
export interface ModelSpec {
  /** Parley's id, the one clients send. */
  id: string;
  label: string;
  /** The provider's own name for the model. */
  upstreamModel: string;
  /** Tokens of prompt plus answer the model accepts. */
  contextLimit: number;
  /** USD per 1,000 tokens. */
  pricePer1kInput: number;
  pricePer1kOutput: number;
}

export interface ModelEntry extends ModelSpec {
  /** The configured provider's name: `openai`, `anthropic`, `xai`, `ollama`, `demo`, or a custom one. */
  provider: string;
  providerImpl: Provider;
  /** True only for the built-in demo, which needs no network. */
  local: boolean;
}

export interface ModelRegistry {
  /** The demo plus every model of a configured provider; Ollama's installed models are reread now and then. */
  list(): Promise<ModelEntry[]>;
  get(id: string): Promise<ModelEntry | undefined>;
  /** Rereads Ollama's installed models now (after a pull); rejects with a coded error when Ollama is down. */
  refresh(): Promise<void>;
  /** Where Ollama is, when OLLAMA_HOST is set: pulls go there. */
  ollama: OllamaOptions | undefined;
}

type Env = Record<string, string | undefined>;

// A model pulled with Ollama's own CLI shows up within this long; a pull through Parley refreshes at once.
const ollamaListTtlMs = 30_000;
const ollamaPrefix = 'ollama/';

/**
 * Models from the environment: each provider whose key (or host) is set contributes its default models, and
 * MODELS_FILE can add providers and models or override defaults. `demo` is always there.
 */
export function createModelRegistry(env: Env, deps: { demo: Provider }): ModelRegistry {
  const timeouts = readTimeouts(env);
  const providers = new Map<string, Provider>();
  const entries = new Map<string, ModelEntry>();
  const addProvider = (name: string, provider: Provider) => {
    if (providers.has(name)) {
      throw new ConfigError(`the model provider "${name}" is configured twice`);
    }
    providers.set(name, provider);
  };
  const addModels = (provider: string, specs: ModelSpec[]) => {
    const providerImpl = providers.get(provider);
    if (!providerImpl) {
      return;
    }
    for (const spec of specs) {
      entries.set(spec.id, { ...spec, provider, providerImpl, local: false });
    }
  };

  entries.set('demo', {
    ...freeModel('demo', 'demo'),
    label: 'Demo (built-in, offline)',
    provider: 'demo',
    providerImpl: deps.demo,
    local: true,
  });

  const openaiKey = read(env, 'OPENAI_API_KEY');
  if (openaiKey) {
    const baseUrl = read(env, 'OPENAI_BASE_URL') ?? 'https://api.openai.com/v1';
    // OpenAI itself wants max_completion_tokens; a proxy or lookalike behind OPENAI_BASE_URL may not know it.
    const maxTokensField = baseUrl.startsWith('https://api.openai.com/')
      ? 'max_completion_tokens'
      : 'max_tokens';
    addProvider(
      'openai',
      createOpenAIProvider({ name: 'openai', baseUrl, apiKey: openaiKey, maxTokensField, timeouts }),
    );
    addModels('openai', openaiModels);
  }
  const xaiKey = read(env, 'XAI_API_KEY');
  if (xaiKey) {
    const baseUrl = read(env, 'XAI_BASE_URL') ?? 'https://api.x.ai/v1';
    addProvider('xai', createOpenAIProvider({ name: 'xai', baseUrl, apiKey: xaiKey, timeouts }));
    addModels('xai', xaiModels);
  }
  const anthropicKey = read(env, 'ANTHROPIC_API_KEY');
  if (anthropicKey) {
    const baseUrl = read(env, 'ANTHROPIC_BASE_URL') ?? 'https://api.anthropic.com';
    addProvider('anthropic', createAnthropicProvider({ baseUrl, apiKey: anthropicKey, timeouts }));
    addModels('anthropic', anthropicModels);
  }
  const compatibleUrl = read(env, 'OPENAI_COMPATIBLE_BASE_URL');
  if (compatibleUrl) {
    const name = read(env, 'OPENAI_COMPATIBLE_NAME') ?? 'openai-compatible';
    const models = (read(env, 'OPENAI_COMPATIBLE_MODELS') ?? '').split(',').map((model) => model.trim());
    if (!models.some(Boolean)) {
      throw new ConfigError(
        'OPENAI_COMPATIBLE_BASE_URL needs OPENAI_COMPATIBLE_MODELS (a comma-separated list)',
      );
    }
    const apiKey = read(env, 'OPENAI_COMPATIBLE_API_KEY');
    const contextLimit = readInt(env, 'OPENAI_COMPATIBLE_CONTEXT_LIMIT', 8192);
    addProvider(name, createOpenAIProvider({ name, baseUrl: compatibleUrl, apiKey, timeouts }));
    addModels(
      name,
      models.filter(Boolean).map((model) => ({ ...freeModel(`${name}/${model}`, model), contextLimit })),
    );
  }
  const ollamaHost = read(env, 'OLLAMA_HOST');
  const ollama = ollamaHost ? { host: normalizeOllamaHost(ollamaHost), timeouts } : undefined;
  if (ollama) {
    addProvider('ollama', createOllamaProvider(ollama));
  }
  const modelsFile = read(env, 'MODELS_FILE');
  if (modelsFile) {
    const file = readModelsFile(modelsFile);
    for (const provider of file.providers ?? []) {
      addProvider(provider.name, createFileProvider(provider, env, timeouts));
    }
    for (const model of file.models ?? []) {
      addModels(model.provider, [
        { ...freeModel(model.id, model.upstreamModel ?? model.id), ...withoutProvider(model) },
      ]);
    }
  }

  // Ollama's models are whatever it has installed, so they are discovered, not configured.
  const ollamaContextLimit = readInt(env, 'OLLAMA_CONTEXT_LENGTH', 4096);
  let discovered: ModelEntry[] = [];
  let discoveredAt = Number.NEGATIVE_INFINITY;
  let discovering: Promise<void> | undefined;
  const refresh = (): Promise<void> => {
    if (!ollama) {
      return Promise.resolve();
    }
    discovering ??= listOllamaModels(ollama)
      .then((models) => {
        const providerImpl = providers.get('ollama') as Provider;
        discovered = models.map((model) => ({
          ...freeModel(`${ollamaPrefix}${model.name}`, model.name),
          label: model.parameterSize
            ? `${model.name} (Ollama, ${model.parameterSize})`
            : `${model.name} (Ollama)`,
          contextLimit: ollamaContextLimit,
          provider: 'ollama',
          providerImpl,
          local: false,
        }));
      })
      .finally(() => {
        discoveredAt = performance.now();
        discovering = undefined;
      });
    return discovering;
  };
  const all = () => [...entries.values(), ...discovered.filter((entry) => !entries.has(entry.id))];

  return {
    async list() {
      if (performance.now() - discoveredAt > ollamaListTtlMs) {
        // Ollama being down must not hide the other models; the last list it gave stays.
        await refresh().catch(() => undefined);
      }
      return all();
    },
    async get(id) {
      const entry = all().find((candidate) => candidate.id === id);
      if (entry || !ollama || !id.startsWith(ollamaPrefix)) {
        return entry;
      }
      await refresh().catch(() => undefined);
      return all().find((candidate) => candidate.id === id);
    },
    refresh,
    ollama,
  };
}

const ModelsFile = Type.Object(
  {
    providers: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1 }),
            type: Type.Union([Type.Literal('openai'), Type.Literal('anthropic'), Type.Literal('ollama')]),
            baseUrl: Type.String({ minLength: 1 }),
            apiKeyEnv: Type.Optional(
              Type.String({
                minLength: 1,
                description: 'The environment variable holding the key: no secret in the file.',
              }),
            ),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    models: Type.Optional(
      Type.Array(
        Type.Object(
          {
            id: Type.String({ minLength: 1 }),
            provider: Type.String({ minLength: 1 }),
            label: Type.Optional(Type.String({ minLength: 1 })),
            upstreamModel: Type.Optional(Type.String({ minLength: 1 })),
            contextLimit: Type.Optional(Type.Integer({ minimum: 1 })),
            pricePer1kInput: Type.Optional(Type.Number({ minimum: 0 })),
            pricePer1kOutput: Type.Optional(Type.Number({ minimum: 0 })),
          },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);
type ModelsFile = Static<typeof ModelsFile>;

function readModelsFile(path: string): ModelsFile {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new ConfigError(`MODELS_FILE ${path} is not readable JSON: ${String(cause)}`);
  }
  const [problem] = Value.Errors(ModelsFile, json);
  if (problem) {
    throw new ConfigError(`MODELS_FILE ${path}: ${problem.instancePath || '/'} ${problem.message}`);
  }
  return json as ModelsFile;
}

function createFileProvider(
  provider: NonNullable<ModelsFile['providers']>[number],
  env: Env,
  timeouts: ProviderTimeouts,
): Provider {
  const apiKey = provider.apiKeyEnv ? read(env, provider.apiKeyEnv) : undefined;
  if (provider.apiKeyEnv && !apiKey) {
    throw new ConfigError(`MODELS_FILE provider "${provider.name}" needs ${provider.apiKeyEnv} to be set`);
  }
  if (provider.type === 'anthropic') {
    return createAnthropicProvider({
      name: provider.name,
      baseUrl: provider.baseUrl,
      apiKey: apiKey ?? '',
      timeouts,
    });
  }
  if (provider.type === 'ollama') {
    return createOllamaProvider({ host: normalizeOllamaHost(provider.baseUrl), timeouts });
  }
  return createOpenAIProvider({ name: provider.name, baseUrl: provider.baseUrl, apiKey, timeouts });
}

function freeModel(id: string, upstreamModel: string): ModelSpec {
  return {
    id,
    label: upstreamModel,
    upstreamModel,
    contextLimit: 8192,
    pricePer1kInput: 0,
    pricePer1kOutput: 0,
  };
}

function withoutProvider<T extends { provider: string }>(model: T): Omit<T, 'provider'> {
  const { provider: _, ...rest } = model;
  return rest;
}

function readTimeouts(env: Env): ProviderTimeouts {
  return {
    connectMs: readInt(env, 'PROVIDER_CONNECT_TIMEOUT_MS', defaultProviderTimeouts.connectMs),
    firstTokenMs: readInt(env, 'PROVIDER_FIRST_TOKEN_TIMEOUT_MS', defaultProviderTimeouts.firstTokenMs),
    idleMs: readInt(env, 'PROVIDER_IDLE_TIMEOUT_MS', defaultProviderTimeouts.idleMs),
  };
}

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function readInt(env: Env, name: string, fallback: number): number {
  const raw = read(env, name);
  if (raw === undefined) {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(`${name} must be a positive integer, got "${raw}"`);
  }
  return value;
}
