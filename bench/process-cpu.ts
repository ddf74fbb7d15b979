/**
 * CPU time of this process's descendants (Chromium's processes, the
 * server), read from /proc: what a drain costs the device and the server,
 * apart from how long it takes. Linux only; elsewhere it reads nothing.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface CpuSample {
  /** Milliseconds of CPU (user + system) by process id. */
  byPid: Map<number, number>;
  /** Process id to what it is: 'chromium' or 'server'. */
  kind: Map<number, 'chromium' | 'server' | 'other'>;
}

function descendants(root: number): number[] {
  const rows = execFileSync('ps', ['-e', '-o', 'pid=,ppid='])
    .toString()
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number));
  const children = (p: number): number[] =>
    rows
      .filter(([, parent]) => parent === p)
      .flatMap(([child]) => (child ? [child, ...children(child)] : []));
  return children(root);
}

/** Clock ticks per second of /proc's times; 100 on every Linux this runs on. */
const TICK_MS = 10;

export function sampleCpu(): CpuSample {
  const byPid = new Map<number, number>();
  const kind = new Map<number, 'chromium' | 'server' | 'other'>();
  let pids: number[] = [];
  try {
    pids = descendants(process.pid);
  } catch {
    return { byPid, kind };
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      byPid.set(pid, (Number(fields[11]) + Number(fields[12])) * TICK_MS);
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      kind.set(pid, cmd.includes('chrom') ? 'chromium' : cmd.includes('server.js') ? 'server' : 'other');
    } catch {
      // The process ended meanwhile.
    }
  }
  return { byPid, kind };
}

/** Milliseconds of CPU spent between two samples, by kind of process. */
export function cpuSpent(before: CpuSample, after: CpuSample): { chromium: number; server: number } {
  const spent = { chromium: 0, server: 0 };
  for (const [pid, ms] of after.byPid) {
    const k = after.kind.get(pid);
    if (k === 'chromium' || k === 'server') spent[k] += ms - (before.byPid.get(pid) ?? 0);
  }
  return spent;
}
