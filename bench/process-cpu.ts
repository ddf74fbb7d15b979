/**
 * CPU time of this process and its descendants (Chromium's processes, the
 * server), read from /proc: what a drain costs the device and the server,
 * apart from how long it takes, and what the bench itself (its front door,
 * Playwright) takes from the same cores. Linux only; elsewhere it reads
 * nothing.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Who spent the CPU: Chromium's processes by their kind, the server, and this bench. */
export type CpuUser = 'browser' | 'renderers' | 'network' | 'other chromium' | 'server' | 'bench';

export type CpuSpent = Record<CpuUser, number>;

export interface CpuSample {
  /** Milliseconds of CPU (user + system) by process id. */
  byPid: Map<number, number>;
  /** Process id to who it is. */
  user: Map<number, CpuUser>;
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

function userOf(pid: number): CpuUser | null {
  if (pid === process.pid) return 'bench';
  const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  if (cmd.includes('server.js')) return 'server';
  if (!cmd.includes('chrom')) return null;
  const type = /--type=([a-z-]+)/.exec(cmd)?.[1];
  if (type === undefined) return 'browser';
  if (type === 'renderer') return 'renderers';
  if (type === 'utility' && cmd.includes('network.mojom.NetworkService')) return 'network';
  return 'other chromium';
}

export function sampleCpu(): CpuSample {
  const byPid = new Map<number, number>();
  const user = new Map<number, CpuUser>();
  let pids: number[] = [];
  try {
    pids = [process.pid, ...descendants(process.pid)];
  } catch {
    return { byPid, user };
  }
  for (const pid of pids) {
    try {
      const who = userOf(pid);
      if (!who) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      byPid.set(pid, (Number(fields[11]) + Number(fields[12])) * TICK_MS);
      user.set(pid, who);
    } catch {
      // The process ended meanwhile.
    }
  }
  return { byPid, user };
}

/** Milliseconds of CPU spent between two samples, by who spent it. */
export function cpuSpent(before: CpuSample, after: CpuSample): CpuSpent {
  const spent: CpuSpent = { browser: 0, renderers: 0, network: 0, 'other chromium': 0, server: 0, bench: 0 };
  for (const [pid, ms] of after.byPid) {
    const who = after.user.get(pid);
    if (who) spent[who] += ms - (before.byPid.get(pid) ?? 0);
  }
  return spent;
}

/** Chromium's share: all its processes together. */
export function chromiumCpu(spent: CpuSpent): number {
  return spent.browser + spent.renderers + spent.network + spent['other chromium'];
}
