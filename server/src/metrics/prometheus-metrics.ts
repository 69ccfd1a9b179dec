import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Metrics } from './metrics.ts';

export interface PrometheusMetrics extends Metrics {
  registry: Registry;
}

/** Metrics in Prometheus' text format, with the process' own (CPU, memory, event loop lag) beside them. */
export function createPrometheusMetrics(): PrometheusMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'parley_process_' });
  const registers = [registry];

  const started = new Counter({
    name: 'parley_generations_started_total',
    help: 'Generations started, by model and whether the response cache answered.',
    labelNames: ['model', 'cached'],
    registers,
  });
  const ended = new Counter({
    name: 'parley_generations_ended_total',
    help: 'Generations ended, by model and final status.',
    labelNames: ['model', 'status'],
    registers,
  });
  const active = new Gauge({
    name: 'parley_generations_active',
    help: 'Generations running in this process.',
    registers,
  });
  const ttft = new Histogram({
    name: 'parley_time_to_first_token_seconds',
    help: 'From the start of a generation to its first text.',
    labelNames: ['model'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const tokens = new Counter({
    name: 'parley_output_tokens_total',
    help: 'Tokens generated, by model.',
    labelNames: ['model'],
    registers,
  });
  const tokensPerSecond = new Histogram({
    name: 'parley_output_tokens_per_second',
    help: 'Generation speed of each answer, from first to last token.',
    labelNames: ['model'],
    buckets: [5, 10, 20, 40, 80, 160, 320, 640, 1280],
    registers,
  });
  const providerErrors = new Counter({
    name: 'parley_provider_errors_total',
    help: 'Failed generations, by model and error code.',
    labelNames: ['model', 'code'],
    registers,
  });
  const subscribers = new Gauge({
    name: 'parley_stream_subscribers',
    help: 'Open SSE responses following a generation.',
    registers,
  });

  return {
    registry,
    generationStarted(model, cached) {
      started.inc({ model, cached: String(cached) });
      active.inc();
    },
    generationEnded(model, status) {
      ended.inc({ model, status });
      active.dec();
    },
    firstToken(model, seconds) {
      ttft.observe({ model }, seconds);
    },
    outputTokens(model, count, seconds) {
      tokens.inc({ model }, count);
      if (seconds > 0 && count > 1) {
        tokensPerSecond.observe({ model }, count / seconds);
      }
    },
    providerError(model, code) {
      providerErrors.inc({ model, code });
    },
    subscriberOpened: () => subscribers.inc(),
    subscriberClosed: () => subscribers.dec(),
  };
}
