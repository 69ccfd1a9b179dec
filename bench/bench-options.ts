import { parseArgs } from 'node:util';

export const scenarioNames = [
  'relay',
  'fan-out',
  'idle-memory',
  'resume',
  'cross-instance',
  'cache',
  'db-writes',
  'demo-ttft',
] as const;
export type ScenarioName = (typeof scenarioNames)[number];

export interface BenchOptions {
  quick: boolean;
  scenarios: ScenarioName[];
  /** Multiplies every connection and concurrency count (C=1 stays 1). */
  scale: number;
  /** Interleaved rounds per comparison; the mode's default when absent. */
  rounds: number | undefined;
  /** The date written into the results, for a re-run that stands for an earlier one. */
  date: string;
  resultsDir: string;
  save: boolean;
  /** Runs every Parley with --cpu-prof and keeps the profiles here. */
  cpuProfDir: string | undefined;
}

export const usage = `npm run bench -- [options]

  --quick               every scenario at small scale, in under 2 minutes
  --scenario <names>    comma-separated: ${scenarioNames.join(', ')} (default: all)
  --scale <n>           multiply connection and concurrency counts (default 1)
  --rounds <n>          interleaved rounds per comparison (default 3, quick 1)
  --date <iso date>     the date recorded in the results (default: now)
  --results <dir>       where JSON and Markdown results go (default bench/results)
  --no-save             print the table only
  --cpu-prof <dir>      profile every Parley process (node --cpu-prof) into <dir>

Production engines: set DATABASE_URL (PostgreSQL server; a scratch database is made and dropped) and
REDIS_URL (keys under a random prefix, deleted after). Without them the figures that need them say so.`;

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      scenario: { type: 'string' },
      scale: { type: 'string', default: '1' },
      rounds: { type: 'string' },
      date: { type: 'string' },
      results: { type: 'string', default: 'bench/results' },
      'no-save': { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const scenarios = values.scenario
    ? values.scenario.split(',').map((name) => name.trim())
    : [...scenarioNames];
  for (const name of scenarios) {
    if (!(scenarioNames as readonly string[]).includes(name)) {
      throw new Error(`unknown scenario "${name}"; choose from ${scenarioNames.join(', ')}`);
    }
  }
  const scale = Number(values.scale);
  if (!(scale > 0)) {
    throw new Error(`--scale must be a positive number, got "${values.scale}"`);
  }
  const rounds = values.rounds === undefined ? undefined : Number(values.rounds);
  if (rounds !== undefined && !(Number.isInteger(rounds) && rounds >= 1 && rounds <= 20)) {
    throw new Error(`--rounds must be an integer from 1 to 20, got "${values.rounds}"`);
  }
  const date = values.date ?? new Date().toISOString();
  if (Number.isNaN(Date.parse(date))) {
    throw new Error(`--date must be a date such as 2025-11-21 or 2025-11-21T10:00:00Z, got "${date}"`);
  }
  return {
    quick: values.quick,
    scenarios: scenarios as ScenarioName[],
    scale,
    rounds,
    date,
    resultsDir: values.results,
    save: !values['no-save'],
    cpuProfDir: values['cpu-prof'],
  };
}
