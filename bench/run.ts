import { type BenchOptions, parseBenchOptions, type ScenarioName, usage } from './bench-options.ts';
import { createBenchPlan } from './bench-plan.ts';
import { type BenchContext, createBenchContext } from './harness/bench-context.ts';
import { raiseFileLimit } from './harness/raise-file-limit.ts';
import { movedFigures, renderMoved, savedRuns } from './report/compare-runs.ts';
import { readCommit, readLoadAverage, readMachineInfo } from './report/machine-info.ts';
import { renderTextTable } from './report/render-table.ts';
import { type ResultRow, unavailable } from './report/result-row.ts';
import { writeResults } from './report/write-results.ts';
import { runCacheScenario } from './scenarios/cache-hit.ts';
import { runCrossInstanceScenario } from './scenarios/cross-instance.ts';
import { runDbWritesScenario } from './scenarios/db-writes.ts';
import { runDemoTtftScenario } from './scenarios/demo-ttft.ts';
import { runFanOutScenario } from './scenarios/fan-out.ts';
import { runIdleMemoryScenario } from './scenarios/idle-memory.ts';
import { runRelayScenario } from './scenarios/relay.ts';
import { runResumeScenario } from './scenarios/resume.ts';

const scenarios: Record<ScenarioName, (ctx: BenchContext) => Promise<ResultRow[]>> = {
  relay: runRelayScenario,
  'fan-out': runFanOutScenario,
  'idle-memory': runIdleMemoryScenario,
  resume: runResumeScenario,
  'cross-instance': runCrossInstanceScenario,
  cache: runCacheScenario,
  'db-writes': runDbWritesScenario,
  'demo-ttft': runDemoTtftScenario,
};

let options: BenchOptions;
try {
  options = parseBenchOptions(process.argv.slice(2));
} catch (error) {
  console.error(`${(error as Error).message}\n\n${usage}`);
  process.exit(2);
}

const machine = readMachineInfo();
const commit = readCommit();
const fileLimit = raiseFileLimit();
const plan = createBenchPlan(options);
const needed = Math.max(...plan.fanOut.map((level) => level.subscribers), ...plan.idle.checkpoints) + 1000;
if (fileLimit < needed) {
  console.error(
    `warning: the open-file limit is ${fileLimit}, below the ${needed} this plan opens; lower --scale`,
  );
}

const started = performance.now();
const ctx = await createBenchContext(options, plan);
const rows: ResultRow[] = [];
const scenarioSeconds: Record<string, number> = {};
let failed = false;
try {
  for (const name of options.scenarios) {
    ctx.progress(`scenario ${name}`);
    const scenarioStarted = performance.now();
    try {
      rows.push(...(await scenarios[name](ctx)));
    } catch (error) {
      failed = true;
      console.error(error);
      rows.push(
        unavailable(name, 'the whole scenario', `it failed: ${(error as Error).message.split('\n')[0]}`),
      );
    }
    scenarioSeconds[name] = Math.round((performance.now() - scenarioStarted) / 100) / 10;
    ctx.progress(`scenario ${name} took ${scenarioSeconds[name]} s`);
  }
} finally {
  await ctx.close(failed);
}

const table = renderTextTable(rows);
const loadAverageAtEnd = readLoadAverage();
console.log(
  `\nParley benchmark: ${commit}, ${machine.cpu}, ${machine.cores} cores, ${options.date}, ` +
    `load average ${machine.loadAverage[0]} at start, ${loadAverageAtEnd[0]} at end\n`,
);
console.log(table);
const mode = options.quick ? 'quick' : 'full';
const saved = await savedRuns(options.resultsDir, mode);
const moved = movedFigures(saved, rows);
const movedText = renderMoved(
  moved,
  saved.some(({ run }) => run.rows.some((row) => row.value !== undefined)),
);
if (movedText) {
  console.log(`\n${movedText}`);
}
if (options.save) {
  const files = await writeResults(options.resultsDir, {
    date: options.date,
    commit,
    machine,
    loadAverageAtEnd,
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(
      ' ',
    ),
    mode,
    scale: options.scale,
    scenarios: options.scenarios,
    scenarioSeconds,
    durationSeconds: (performance.now() - started) / 1000,
    rows,
    moved,
  });
  console.log(`\nSaved ${files.join(' and ')}`);
}
process.exit(failed ? 1 : 0);
