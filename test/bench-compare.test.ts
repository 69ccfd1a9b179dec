import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { movedFigures, renderMoved, savedRuns } from '../bench/report/compare-runs.ts';
import { goals, judged, type ResultRow } from '../bench/report/result-row.ts';
import type { RunRecord } from '../bench/report/write-results.ts';

const row = (figure: string, value: number): ResultRow =>
  judged(
    { scenario: 'relay', figure, parley: '', reference: '', result: '', data: {} },
    goals.tokensPerSecondC500,
    value,
  );

const run = (date: string, rows: ResultRow[]): RunRecord =>
  ({ date, mode: 'full', rows }) as unknown as RunRecord;

test('the bench names a goal figure that changed its verdict or moved past 15% since its last saved run', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parley-bench-compare-'));
  try {
    const save = (name: string, record: RunRecord) => writeFile(path.join(dir, name), JSON.stringify(record));
    await save('2026-01-01T00-00-00-000Z-aaa.json', run('1', [row('steady', 0.95), row('fell', 0.96)]));
    // Newer, but it only measured one figure: the others are judged against the older run.
    await save('2026-01-02T00-00-00-000Z-bbb.json', run('2', [row('drifted', 1.0)]));
    await save('2026-01-03T00-00-00-000Z-ccc-quick.json', run('3', [row('steady', 0.1)]));

    const saved = await savedRuns(dir, 'full');
    assert.deepEqual(
      saved.map((each) => each.file),
      ['2026-01-02T00-00-00-000Z-bbb.json', '2026-01-01T00-00-00-000Z-aaa.json'],
      'newest first, quick runs apart',
    );
    const moved = movedFigures(saved, [row('steady', 0.97), row('fell', 0.79), row('drifted', 1.2)]);
    assert.deepEqual(
      moved.map(({ figure, before, after, statusBefore, statusAfter, since }) => [
        figure,
        before,
        after,
        statusBefore,
        statusAfter,
        since,
      ]),
      [
        ['fell', 0.96, 0.79, 'met', 'missed', '2026-01-01T00-00-00-000Z-aaa.json'],
        ['drifted', 1.0, 1.2, 'met', 'met', '2026-01-02T00-00-00-000Z-bbb.json'],
      ],
    );
    assert.match(renderMoved(moved, true) ?? '', /fell: 0\.96 -> 0\.79 \(met -> missed\)/);
    assert.equal(renderMoved([], false), undefined, 'nothing to say when no saved run judged a figure');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
