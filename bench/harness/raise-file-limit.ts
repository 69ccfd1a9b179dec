import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Raises this process's open-file limit to its hard limit (no privilege needed), so the load client and
 * every server it forks can hold tens of thousands of connections. Returns the limit now in force.
 */
export function raiseFileLimit(): number {
  const { soft, hard } = readFileLimit();
  if (soft >= hard) {
    return soft;
  }
  try {
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${hard}:${hard}`]);
  } catch {
    return soft;
  }
  return readFileLimit().soft;
}

function readFileLimit(): { soft: number; hard: number } {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const match = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limits);
  const parse = (value: string | undefined) =>
    value === undefined || value === 'unlimited' ? Number.POSITIVE_INFINITY : Number(value);
  return { soft: parse(match?.[1]), hard: parse(match?.[2]) };
}
