// Small /proc helpers shared by the process and sandbox drivers (Linux; elsewhere they degrade
// to "unknown" rather than failing).
import { readFileSync, readdirSync } from 'node:fs';

export interface ProcStat {
  state: string;
  ppid: number;
  /** utime + stime in seconds. */
  cpuSeconds: number;
  rssBytes: number;
}

const CLK_TCK = 100;

export function procStat(pid: number): ProcStat | null {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parens: split after the last ')'.
    const rest = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    const state = rest[0] ?? '?';
    const ppid = Number(rest[1]);
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    const rssPages = Number(rest[21]);
    return { state, ppid, cpuSeconds: (utime + stime) / CLK_TCK, rssBytes: rssPages * 4096 };
  } catch {
    return null;
  }
}

/** Alive and not a zombie. */
export function pidAlive(pid: number): boolean {
  const s = procStat(pid);
  return s !== null && s.state !== 'Z' && s.state !== 'X';
}

/** Whether `pid` was started for this agent (guards against pid reuse after a Pilox restart). */
export function pidBelongsTo(pid: number, agentId: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`PILOX_AGENT_ID=${agentId}`);
  } catch {
    return false;
  }
}

/** Direct children of `pid`. */
export function childrenOf(pid: number): number[] {
  try {
    const out: number[] = [];
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
    return out;
  } catch {
    return [];
  }
}

/** `pid` and all its descendants. */
export function processTree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length && all.length < 10_000; i++) all.push(...childrenOf(all[i]!));
  return all;
}

export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
