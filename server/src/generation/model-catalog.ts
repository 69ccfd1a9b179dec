import type { ModelInfo } from '../../../protocol/api.ts';
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
}
