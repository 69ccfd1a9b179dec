import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeMoved, type MovedFigure } from './compare-runs.ts';
import type { MachineInfo } from './machine-info.ts';
import { renderMarkdownTable } from './render-table.ts';
import type { ResultRow } from './result-row.ts';

export interface RunRecord {
  date: string;
  commit: string;
  machine: MachineInfo;
  /** The load averages when the run ended. */
  loadAverageAtEnd: number[];
  command: string;
  mode: 'quick' | 'full';
  scale: number;
  scenarios: string[];
  scenarioSeconds: Record<string, number>;
  durationSeconds: number;
  rows: ResultRow[];
  /** Goal figures that moved since the last saved run of each (see compare-runs.ts). */
  moved: MovedFigure[];
}

/** Saves a run as `<date>-<commit>[-quick].json` and `.md` under `dir`; returns both paths. */
export async function writeResults(dir: string, run: RunRecord): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const stamp = run.date.replace(/[:.]/g, '-');
  const base = path.join(
    dir,
    `${stamp}-${run.commit.replace('+', '-')}${run.mode === 'quick' ? '-quick' : ''}`,
  );
  await writeFile(`${base}.json`, `${JSON.stringify(run, null, 2)}\n`);
  await writeFile(`${base}.md`, renderMarkdown(run));
  return [`${base}.json`, `${base}.md`];
}

function renderMarkdown(run: RunRecord): string {
  const { machine } = run;
  return [
    `# Parley benchmark, ${run.date}`,
    '',
    `- command: \`${run.command}\``,
    `- commit: ${run.commit}`,
    `- machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.kernel}, Node ${machine.node}`,
    `- load average (1, 5, 15 min): ${machine.loadAverage.join(', ')} at start, ${run.loadAverageAtEnd.join(', ')} at end`,
    `- mode: ${run.mode}, scale ${run.scale}, scenarios ${run.scenarios.join(', ')}, ${Math.round(run.durationSeconds)} s`,
    '',
    'Every figure is set against a reference measured in the same run, in interleaved rounds.',
    '',
    renderMarkdownTable(run.rows),
    '',
    ...(run.moved.length > 0
      ? [
          'Moved since the last saved run of the same figure:',
          '',
          ...run.moved.map((each) => `- ${describeMoved(each)}`),
          '',
        ]
      : []),
  ].join('\n');
}
