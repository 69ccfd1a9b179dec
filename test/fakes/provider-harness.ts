import { after } from 'node:test';
import type { Provider } from '../../server/src/providers/provider.ts';
import {
  defaultProviderTimeouts,
  type ProviderTimeouts,
} from '../../server/src/providers/provider-errors.ts';
import type { FakeUpstream, ScenarioSource } from './fake-upstream.ts';

/** Starts a fake upstream with `scenario`, and the adapter under test pointed at it with `timeouts`. */
export type ProviderHarness = (
  scenario: ScenarioSource,
  timeouts?: Partial<ProviderTimeouts>,
) => Promise<{ fake: FakeUpstream; provider: Provider }>;

/**
 * One provider's harness: `startFake` is its fake (test/fakes/), `createProvider` builds its adapter for the
 * fake's URL. Timeouts not given are the defaults; every fake started closes after the suite that made this.
 */
export function createProviderHarness(input: {
  startFake(scenario: ScenarioSource): Promise<FakeUpstream>;
  createProvider(url: string, timeouts: ProviderTimeouts): Provider;
}): ProviderHarness {
  const fakes: FakeUpstream[] = [];
  after(() => Promise.all(fakes.map((fake) => fake.close())));
  return async (scenario, timeouts = {}) => {
    const fake = await input.startFake(scenario);
    fakes.push(fake);
    return { fake, provider: input.createProvider(fake.url, { ...defaultProviderTimeouts, ...timeouts }) };
  };
}
