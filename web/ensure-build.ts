import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const webDir = import.meta.dirname;
const sources = ['src', 'public', 'index.html', 'vite.config.ts', '../protocol'].map((entry) =>
  path.join(webDir, entry),
);
const builtIndex = path.join(webDir, 'dist', 'index.html');

function newestChange(entry: string): number {
  const stat = statSync(entry);
  if (!stat.isDirectory()) {
    return stat.mtimeMs;
  }
  return readdirSync(entry, { recursive: true, encoding: 'utf8' })
    .map((name) => statSync(path.join(entry, name)).mtimeMs)
    .reduce((newest, time) => Math.max(newest, time), stat.mtimeMs);
}

/**
 * Builds the web app when `web/dist` is missing or older than its sources, so `npm start` on a fresh clone
 * (and the UI tests) always serve the UI of the code beside them, without paying for a build every time.
 */
export async function ensureWebBuild(): Promise<'fresh' | 'built'> {
  const newestSource = Math.max(...sources.map(newestChange));
  if (existsSync(builtIndex) && statSync(builtIndex).mtimeMs >= newestSource) {
    return 'fresh';
  }
  const { build } = await import('vite');
  await build({ configFile: path.join(webDir, 'vite.config.ts'), logLevel: 'warn' });
  return 'built';
}

if (import.meta.main) {
  const result = await ensureWebBuild();
  console.log(result === 'built' ? 'web app built into web/dist' : 'web app is up to date');
}
