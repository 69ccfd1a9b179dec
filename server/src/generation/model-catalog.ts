import type { ModelInfo, ModelPullProgress } from '../../../protocol/api.ts';
import type { Provider } from '../providers/provider.ts';

/** A model ready to call: which provider serves it and under what upstream name. */
export interface ResolvedModel {
  id: string;
  provider: Provider;
  upstreamModel: string;
}

/** What the core and the routes need from the model registry, and nothing more. */
export interface ModelCatalog {
  resolve(modelId: string): Promise<ResolvedModel | undefined>;
  /** The models this server can serve now, as clients see them. */
  list(): Promise<ModelInfo[]>;
  /**
   * Downloads a model into the local model server (Ollama), reporting progress; once it ends the model is
   * listed. Throws PROVIDER_NOT_CONFIGURED where there is no such server.
   */
  pull(model: string, signal: AbortSignal): AsyncIterable<ModelPullProgress>;
  /** Whether `pull` has somewhere to pull to. */
  canPull(): boolean;
}
