import { AppError } from '../app-error.ts';
import type { ModelCatalog } from '../generation/model-catalog.ts';
import type { ModelRegistry } from './model-registry.ts';
import { pullOllamaModel } from './ollama/ollama-models.ts';

const OLLAMA_PREFIX = 'ollama/';

/** The registry as the core and the routes see it: resolve to a callable model, list as clients see models. */
export function createModelCatalog(registry: ModelRegistry): ModelCatalog {
  return {
    async resolve(modelId) {
      const entry = await registry.get(modelId);
      return entry && { id: entry.id, provider: entry.providerImpl, upstreamModel: entry.upstreamModel };
    },
    async list() {
      const entries = await registry.list();
      return entries.map((entry) => ({
        id: entry.id,
        label: entry.label,
        provider: entry.provider,
        local: entry.local,
        contextLimit: entry.contextLimit,
      }));
    },
    canPull: () => registry.ollama !== undefined,
    async *pull(model, signal) {
      if (!registry.ollama) {
        throw new AppError('PROVIDER_NOT_CONFIGURED', {
          message: 'Set OLLAMA_HOST to pull models.',
          field: 'model',
        });
      }
      const name = model.startsWith(OLLAMA_PREFIX) ? model.slice(OLLAMA_PREFIX.length) : model;
      yield* pullOllamaModel(registry.ollama, name, signal);
      await registry.refresh();
    },
  };
}
