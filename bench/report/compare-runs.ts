import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ResultRow } from './result-row.ts';
import type { RunRecord } from './write-results.ts';

/** A saved run and the file it came from. */
export interface SavedRun {
  file: string;
  run: RunRecord;
}

/** A judged figure whose value or verdict changed since the last saved run that measured it. */
export interface MovedFigure {
  figure: string;
  /** The saved run's file name: its date and commit. */
  since: string;
  before: number;
  after: number;
  statusBefore: ResultRow['status'];
  statusAfter: ResultRow['status'];
}

// Beyond this relative change a figure is named: run-to-run noise on this kind of machine stays under it for
// most figures, and the regressions worth a look (fan-out at 0.15x) were far past it.
const MOVED_BY = 0.15;

/** The runs saved in `dir` in `mode`, newest first (file names start with the run's date). */
export async function savedRuns(dir: string, mode: RunRecord['mode']): Promise<SavedRun[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const files = names
    .filter((name) => name.endsWith('.json') && name.endsWith('-quick.json') === (mode === 'quick'))
    .sort()
    .reverse();
  return Promise.all(
    files.map(async (name) => ({
      file: name,
      run: JSON.parse(await readFile(path.join(dir, name), 'utf8')) as RunRecord,
    })),
  );
}

/**
 * The goal figures of `rows` whose verdict changed since the newest saved run that judged the same figure (by
 * scenario and name), or whose value moved by more than 15% either way. Runs saved before values were kept
 * judge nothing here.
 */
export function movedFigures(saved: SavedRun[], rows: ResultRow[]): MovedFigure[] {
  const moved: MovedFigure[] = [];
  for (const row of rows) {
    if (row.value === undefined) {
      continue;
    }
    const match = findJudged(saved, row);
    if (!match) {
      continue;
    }
    const { old, since } = match;
    const change = Math.abs(row.value - old.value) / Math.max(Math.abs(old.value), Number.EPSILON);
    if (row.status !== old.status || change > MOVED_BY) {
      moved.push({
        figure: row.figure,
        since,
        before: old.value,
        after: row.value,
        statusBefore: old.status,
        statusAfter: row.status,
      });
    }
  }
  return moved;
}

function findJudged(
  saved: SavedRun[],
  row: ResultRow,
): { old: ResultRow & { value: number }; since: string } | undefined {
  for (const { file, run } of saved) {
    const old = run.rows.find((each) => each.scenario === row.scenario && each.figure === row.figure);
    if (old?.value !== undefined) {
      return { old: { ...old, value: old.value }, since: file };
    }
  }
  return undefined;
}

/** One moved figure in a line: its values before and after, its verdicts if they differ, and since when. */
export function describeMoved(each: MovedFigure): string {
  const verdict =
    each.statusBefore === each.statusAfter ? '' : ` (${each.statusBefore} -> ${each.statusAfter})`;
  return `${each.figure}: ${round(each.before)} -> ${round(each.after)}${verdict}, since ${each.since}`;
}

/**
 * The moved figures as lines under the table; nothing when no saved run was `judgedBefore` (saved with the values
 * figures are judged by), as runs saved before those were kept.
 */
export function renderMoved(moved: MovedFigure[], judgedBefore: boolean): string | undefined {
  if (!judgedBefore) {
    return undefined;
  }
  if (moved.length === 0) {
    return `No goal figure changed its verdict or moved by more than ${MOVED_BY * 100}% since its last saved run.`;
  }
  return [
    'Moved since the last saved run of the same figure:',
    ...moved.map((each) => `  ${describeMoved(each)}`),
  ].join('\n');
}

function round(value: number): string {
  return String(Math.round(value * 100) / 100);
}
