import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** CPU and memory of one watched process over a measured stretch. */
export interface ProcStats {
  /** User plus system CPU time, all threads. */
  cpuMs: number;
  rssStartKiB: number;
  rssPeakKiB: number;
  rssEndKiB: number;
}

const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** User plus system CPU time of `pid` so far, from /proc/<pid>/stat (fields 14 and 15). */
export function readCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces and parentheses: the fields that follow start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / ticksPerSecond;
}

/** Resident set size of `pid`, from VmRSS in /proc/<pid>/status. */
export function readRssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  return match ? Number(match[1]) : Number.NaN;
}

/**
 * Watches processes by pid while a load runs: CPU time at both ends, RSS sampled every `intervalMs` for
 * the peak. The load client does this, from outside the measured processes.
 */
export function watchProcesses(
  pids: Record<string, number>,
  intervalMs = 100,
): { stop(): Record<string, ProcStats> } {
  const start = new Map<string, { cpuMs: number; rssKiB: number }>();
  const peak = new Map<string, number>();
  for (const [label, pid] of Object.entries(pids)) {
    const rssKiB = readRssKiB(pid);
    start.set(label, { cpuMs: readCpuMs(pid), rssKiB });
    peak.set(label, rssKiB);
  }
  const sample = () => {
    for (const [label, pid] of Object.entries(pids)) {
      peak.set(label, Math.max(peak.get(label) ?? 0, readRssKiB(pid)));
    }
  };
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const stats: Record<string, ProcStats> = {};
      for (const [label, pid] of Object.entries(pids)) {
        const first = start.get(label) ?? { cpuMs: 0, rssKiB: 0 };
        stats[label] = {
          cpuMs: readCpuMs(pid) - first.cpuMs,
          rssStartKiB: first.rssKiB,
          rssPeakKiB: peak.get(label) ?? 0,
          rssEndKiB: readRssKiB(pid),
        };
      }
      return stats;
    },
  };
}
