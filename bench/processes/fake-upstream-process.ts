import type { IncomingHttpHeaders } from 'node:http';
import { startFakeOpenAI } from '../../test/fakes/fake-openai-server.ts';
import type { FakeScenario } from '../../test/fakes/fake-upstream.ts';
import { serveParent } from '../ipc/serve-parent.ts';

/** What the orchestrator asks of the fake upstream between rounds. */
export type UpstreamRequest = { kind: 'scenario'; scenario: UpstreamScenario };

/** The streaming part of a fake OpenAI scenario. */
export interface UpstreamScenario {
  tokens: number;
  firstTokenDelayMs: number;
  interTokenDelayMs: number;
}

/** Header a caller (the bare fan-out server) sends to start at once whatever the scenario's first delay. */
export const FIRST_TOKEN_DELAY_HEADER = 'x-bench-first-token-delay-ms';

// The fake OpenAI server of the test suite, in a process of its own so it never competes with Parley's event
// loop. Every caller gets the scenario the orchestrator set last.
let scenario: UpstreamScenario = { tokens: 20, firstTokenDelayMs: 0, interTokenDelayMs: 0 };
const upstream = await startFakeOpenAI((request) => withOverrides(scenario, request.headers));

serveParent({ url: upstream.url }, async (request) => {
  const message = request as UpstreamRequest;
  scenario = message.scenario;
  return { url: upstream.url };
});

function withOverrides(base: UpstreamScenario, headers: IncomingHttpHeaders): FakeScenario {
  const firstDelay = headers[FIRST_TOKEN_DELAY_HEADER];
  return typeof firstDelay === 'string' ? { ...base, firstTokenDelayMs: Number(firstDelay) } : base;
}
