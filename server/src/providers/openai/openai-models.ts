import type { ModelSpec } from '../model-registry.ts';

// Prices in USD per 1,000 tokens, from the providers' price lists; MODELS_FILE overrides any of them.

/** The models listed when OPENAI_API_KEY is set. */
export const openaiModels: ModelSpec[] = [
  {
    id: 'gpt-4o-mini',
    label: 'GPT-4o mini',
    upstreamModel: 'gpt-4o-mini',
    contextLimit: 128_000,
    pricePer1kInput: 0.00015,
    pricePer1kOutput: 0.0006,
  },
  {
    id: 'gpt-4o',
    label: 'GPT-4o',
    upstreamModel: 'gpt-4o',
    contextLimit: 128_000,
    pricePer1kInput: 0.0025,
    pricePer1kOutput: 0.01,
  },
  {
    id: 'gpt-4.1-mini',
    label: 'GPT-4.1 mini',
    upstreamModel: 'gpt-4.1-mini',
    contextLimit: 1_047_576,
    pricePer1kInput: 0.0004,
    pricePer1kOutput: 0.0016,
  },
  {
    id: 'gpt-4.1',
    label: 'GPT-4.1',
    upstreamModel: 'gpt-4.1',
    contextLimit: 1_047_576,
    pricePer1kInput: 0.002,
    pricePer1kOutput: 0.008,
  },
];

/** The models listed when XAI_API_KEY is set. */
export const xaiModels: ModelSpec[] = [
  {
    id: 'grok-3',
    label: 'Grok 3',
    upstreamModel: 'grok-3',
    contextLimit: 131_072,
    pricePer1kInput: 0.003,
    pricePer1kOutput: 0.015,
  },
  {
    id: 'grok-3-mini',
    label: 'Grok 3 mini',
    upstreamModel: 'grok-3-mini',
    contextLimit: 131_072,
    pricePer1kInput: 0.0003,
    pricePer1kOutput: 0.0005,
  },
];
