import type { BenchOptions } from './bench-options.ts';

/** How the fake upstream streams: the same for the direct path and for Parley in a comparison. */
export interface UpstreamShape {
  tokens: number;
  firstTokenDelayMs: number;
  interTokenDelayMs: number;
}

export interface RelayLevel extends UpstreamShape {
  concurrency: number;
  /** Each target's round lasts this long; tokens/s is counted after the first stream length (the ramp). */
  roundMs: number;
}

export interface BenchPlan {
  rounds: number;
  /** One short round per path before any is measured. */
  relayWarmUpMs: number;
  relay: RelayLevel[];
  /**
   * `interTokenDelayMs: 0` saturates both servers (the figure is events/s); a paced level sends one event per
   * write at a rate both keep up with (the figure is CPU per delivered event).
   */
  fanOut: { subscribers: number; tokens: number; interTokenDelayMs: number }[];
  idle: { checkpoints: number[]; liveStreams: number; settleMs: number };
  resume: UpstreamShape & { samples: number; maxEventsBeforeDrop: number; pauseMs: number };
  delivery: UpstreamShape & { answers: number };
  redisMemory: UpstreamShape & { streams: number; readAfterMs: number };
  cache: { samples: number };
  dbWrites: { answers: number; concurrency: number; tokens: number[] };
  demo: { levels: { concurrency: number; roundMs: number }[]; maxTokens: number; tokensPerSecond: number };
}

/**
 * The sizes of every scenario. Full: the figures of issue 7 at the scale it names. Quick: every scenario
 * small enough that a run takes under two minutes on two cores.
 */
export function createBenchPlan(options: BenchOptions): BenchPlan {
  const scaled = (value: number) => Math.max(1, Math.round(value * options.scale));
  const plan = options.quick ? quickPlan : fullPlan;
  return {
    ...plan,
    rounds: options.rounds ?? plan.rounds,
    relay: plan.relay.map((level) => ({
      ...level,
      concurrency: level.concurrency === 1 ? 1 : scaled(level.concurrency),
    })),
    fanOut: plan.fanOut.map((level) => ({ ...level, subscribers: scaled(level.subscribers) })),
    idle: { ...plan.idle, checkpoints: plan.idle.checkpoints.map(scaled) },
    demo: {
      ...plan.demo,
      levels: plan.demo.levels.map((level) => ({
        ...level,
        concurrency: level.concurrency === 1 ? 1 : scaled(level.concurrency),
      })),
    },
  };
}

const fullPlan: BenchPlan = {
  rounds: 3,
  relayWarmUpMs: 1000,
  relay: [
    { concurrency: 1, tokens: 20, firstTokenDelayMs: 0, interTokenDelayMs: 5, roundMs: 4000 },
    { concurrency: 100, tokens: 40, firstTokenDelayMs: 0, interTokenDelayMs: 10, roundMs: 5000 },
    { concurrency: 500, tokens: 100, firstTokenDelayMs: 0, interTokenDelayMs: 20, roundMs: 8000 },
  ],
  fanOut: [
    { subscribers: 1000, tokens: 300, interTokenDelayMs: 0 },
    { subscribers: 1000, tokens: 100, interTokenDelayMs: 50 },
    { subscribers: 10_000, tokens: 40, interTokenDelayMs: 0 },
  ],
  idle: { checkpoints: [1000, 5000, 10_000], liveStreams: 100, settleMs: 2000 },
  resume: {
    samples: 200,
    tokens: 60,
    firstTokenDelayMs: 0,
    interTokenDelayMs: 5,
    maxEventsBeforeDrop: 20,
    pauseMs: 25,
  },
  delivery: { answers: 20, tokens: 40, firstTokenDelayMs: 100, interTokenDelayMs: 10 },
  redisMemory: { streams: 50, tokens: 400, firstTokenDelayMs: 0, interTokenDelayMs: 10, readAfterMs: 1000 },
  cache: { samples: 200 },
  dbWrites: { answers: 20, concurrency: 5, tokens: [10, 1000] },
  demo: {
    levels: [
      { concurrency: 1, roundMs: 3000 },
      { concurrency: 200, roundMs: 6000 },
    ],
    maxTokens: 20,
    tokensPerSecond: 100,
  },
};

const quickPlan: BenchPlan = {
  rounds: 1,
  relayWarmUpMs: 500,
  relay: [
    { concurrency: 1, tokens: 20, firstTokenDelayMs: 0, interTokenDelayMs: 5, roundMs: 1000 },
    { concurrency: 100, tokens: 20, firstTokenDelayMs: 0, interTokenDelayMs: 10, roundMs: 1500 },
    { concurrency: 500, tokens: 20, firstTokenDelayMs: 0, interTokenDelayMs: 20, roundMs: 2000 },
  ],
  fanOut: [{ subscribers: 1000, tokens: 100, interTokenDelayMs: 0 }],
  // From 5,000 on: a fresh process first reuses the memory its start-up freed, which would flatter the figure.
  idle: { checkpoints: [5000, 6000], liveStreams: 20, settleMs: 500 },
  resume: {
    samples: 15,
    tokens: 60,
    firstTokenDelayMs: 0,
    interTokenDelayMs: 5,
    maxEventsBeforeDrop: 20,
    pauseMs: 25,
  },
  delivery: { answers: 5, tokens: 30, firstTokenDelayMs: 100, interTokenDelayMs: 10 },
  redisMemory: { streams: 20, tokens: 300, firstTokenDelayMs: 0, interTokenDelayMs: 10, readAfterMs: 1000 },
  cache: { samples: 5 },
  dbWrites: { answers: 6, concurrency: 3, tokens: [10, 300] },
  demo: {
    levels: [
      { concurrency: 1, roundMs: 1000 },
      { concurrency: 200, roundMs: 2000 },
    ],
    maxTokens: 10,
    tokensPerSecond: 100,
  },
};
