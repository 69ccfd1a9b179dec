/** Where a figure stands against its goal; `info` has no goal, `n/a` could not be measured in this run. */
export type RowStatus = 'met' | 'missed' | 'info' | 'n/a';

/** One line of the results table: a figure, its reference from the same run, and its goal. */
export interface ResultRow {
  scenario: string;
  figure: string;
  parley: string;
  reference: string;
  /** The ratio or difference against the reference: what the goal is about. */
  result: string;
  goal: string;
  status: RowStatus;
  /** The numbers behind the texts, for the JSON results. */
  data: Record<string, unknown>;
  /** The number judged against the goal, in the goal's unit. */
  value?: number;
  note?: string;
}

export interface Goal {
  text: string;
  met(value: number): boolean;
}

/** The goals of issue 7; the harness prints each beside its figure. */
export const goals = {
  ttftOverheadC1: { text: 'p50 <= 1 ms', met: (value) => value <= 1 },
  ttftOverheadC100: { text: 'p50 <= 10 ms', met: (value) => value <= 10 },
  tokensPerSecondC500: { text: '>= 0.9x', met: (value) => value >= 0.9 },
  fanOut1000: { text: '>= 0.7x', met: (value) => value >= 0.7 },
  idleSubscriberKiB: { text: '<= 16 KiB', met: (value) => value <= 16 },
  databaseWrites: { text: '<= 3', met: (value) => value <= 3 },
  cacheHitTtft: { text: 'p50 <= 2 ms', met: (value) => value <= 2 },
  resumeCrossRedisP99: { text: 'p99 <= 10 ms', met: (value) => value <= 10 },
} satisfies Record<string, Goal>;

/** A row judged against `goal` by `value` (a NaN value counts as missed: the figure is not there). */
export function judged(
  row: Omit<ResultRow, 'goal' | 'status'>,
  goal: Goal | undefined,
  value: number,
): ResultRow {
  if (!goal) {
    return { ...row, goal: '', status: 'info' };
  }
  return {
    ...row,
    goal: goal.text,
    status: Number.isFinite(value) && goal.met(value) ? 'met' : 'missed',
    ...(Number.isFinite(value) && { value }),
  };
}

export function unavailable(scenario: string, figure: string, reason: string, goal?: Goal): ResultRow {
  return {
    scenario,
    figure,
    parley: 'not available',
    reference: '',
    result: '',
    goal: goal?.text ?? '',
    status: 'n/a',
    data: { reason },
    note: reason,
  };
}
