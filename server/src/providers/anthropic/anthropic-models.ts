import type { ModelSpec } from '../model-registry.ts';

// Prices in USD per 1,000 tokens, from Anthropic's price list; MODELS_FILE overrides any of them. Ids name the
// model family, upstream names pin a snapshot so answers do not change under a running deployment.

/** The models listed when ANTHROPIC_API_KEY is set. */
export const anthropicModels: ModelSpec[] = [
  {
    id: 'claude-sonnet-4',
    label: 'Claude Sonnet 4',
    upstreamModel: 'claude-sonnet-4-20250514',
    contextLimit: 200_000,
    pricePer1kInput: 0.003,
    pricePer1kOutput: 0.015,
  },
  {
    id: 'claude-haiku-4-5',
    label: 'Claude Haiku 4.5',
    upstreamModel: 'claude-haiku-4-5-20251001',
    contextLimit: 200_000,
    pricePer1kInput: 0.001,
    pricePer1kOutput: 0.005,
  },
];
