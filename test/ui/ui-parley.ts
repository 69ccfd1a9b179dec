import { ensureWebBuild } from '../../web/ensure-build.ts';
import { type SpawnedParley, spawnParley } from '../helpers/spawn-parley.ts';

/** A real Parley process serving the built UI with the demo model, paced by `env`. */
export async function startUiParley(env: Record<string, string> = {}): Promise<SpawnedParley> {
  await ensureWebBuild();
  return spawnParley({
    DEMO_TOKENS_PER_SECOND: '100',
    DEMO_FIRST_TOKEN_DELAY_MS: '150',
    DRAIN_SECONDS: '0',
    ...env,
  });
}
