import type { ResultRow } from './result-row.ts';

const headings = ['scenario', 'figure', 'Parley', 'reference (same run)', 'result', 'goal', 'status'];

function cells(row: ResultRow): string[] {
  return [row.scenario, row.figure, row.parley, row.reference, row.result, row.goal, statusText(row)];
}

function statusText(row: ResultRow): string {
  return row.status === 'met' ? 'MET' : row.status === 'missed' ? 'MISSED' : row.status;
}

/** The table for a terminal: aligned columns, then the notes that rows refer to. */
export function renderTextTable(rows: readonly ResultRow[]): string {
  const table = [headings, ...rows.map(cells)];
  const widths = headings.map((_, column) => Math.max(...table.map((line) => (line[column] ?? '').length)));
  const format = (line: string[]) =>
    line
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  const lines = [format(headings), rule, ...rows.map((row) => format(cells(row)))];
  return [...lines, ...renderNotes(rows, (index, note) => `  [${index}] ${note}`)].join('\n');
}

/** The same table in Markdown. */
export function renderMarkdownTable(rows: readonly ResultRow[]): string {
  const escapeCell = (cell: string) => cell.replaceAll('|', '\\|');
  const lines = [
    `| ${headings.join(' | ')} |`,
    `| ${headings.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${cells(row).map(escapeCell).join(' | ')} |`),
  ];
  return [...lines, '', ...renderNotes(rows, (index, note) => `${index}. ${note}`)].join('\n');
}

function renderNotes(rows: readonly ResultRow[], line: (index: number, note: string) => string): string[] {
  const notes = rows.filter((row) => row.note).map((row) => `${row.scenario} / ${row.figure}: ${row.note}`);
  return notes.length === 0 ? [] : ['', 'Notes:', ...notes.map((note, index) => line(index + 1, note))];
}
