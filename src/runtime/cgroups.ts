// Per-agent cgroups for the sandbox driver: memory, CPU weight, pids and the freezer.
// v2 (unified hierarchy at /sys/fs/cgroup) and v1 (one hierarchy per controller, as on hybrid
// hosts) are detected at start. Everything degrades to "no limit" with a reason, never a crash.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RuntimeLimits } from './runtime.js';

export type CgroupMode = { version: 2; root: string } | { version: 1; root: string } | { version: 0; reason: string };

const PARENT = 'pilox';

export function detectCgroups(root = '/sys/fs/cgroup'): CgroupMode {
  try {
    if (existsSync(join(root, 'cgroup.controllers'))) {
      const controllers = readFileSync(join(root, 'cgroup.controllers'), 'utf8');
      if (/\bmemory\b/.test(controllers) && /\bpids\b/.test(controllers)) return { version: 2, root };
      return { version: 0, reason: 'cgroup v2 without the memory/pids controllers' };
    }
    if (existsSync(join(root, 'memory', 'cgroup.procs')) && existsSync(join(root, 'pids', 'cgroup.procs'))) return { version: 1, root };
    return { version: 0, reason: 'no cgroup hierarchy with memory and pids controllers' };
  } catch (err) {
    return { version: 0, reason: `cgroups unreadable: ${(err as Error).message}` };
  }
}

const V1_CONTROLLERS = ['memory', 'cpu', 'cpuacct', 'pids', 'freezer'] as const;

export interface AgentCgroup {
  /** The cgroup.procs files the sandbox's first process must join (before it execs bwrap). */
  procsFiles: string[];
  /** Pids of every process in the agent's cgroup. */
  pids(): number[];
  freeze(): boolean;
  thaw(): boolean;
  frozen(): boolean;
  memoryBytes(): number | null;
  memoryLimitBytes(): number | null;
  cpuSeconds(): number | null;
  /** Whether the kernel OOM-killed something in the group. */
  oomKilled(): boolean;
  remove(): void;
}

function write(file: string, value: string): boolean {
  try {
    writeFileSync(file, value);
    return true;
  } catch {
    return false;
  }
}

function read(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

function num(file: string): number | null {
  const v = read(file);
  return v === null || v === 'max' ? null : Number(v);
}

function pidsOf(file: string): number[] {
  return (read(file) ?? '').split('\n').filter(Boolean).map(Number);
}

/** Opens (and with `limits`, creates and configures) the agent's cgroup. */
export function agentCgroup(mode: CgroupMode, agentId: string, limits?: RuntimeLimits): AgentCgroup | null {
  if (mode.version === 0) return null;
  const name = `agent-${agentId}`;
  const memBytes = limits ? limits.memoryMb * 1024 * 1024 : 0;
  if (mode.version === 2) {
    const parent = join(mode.root, PARENT);
    const dir = join(parent, name);
    if (limits) {
      mkdirSync(parent, { recursive: true });
      write(join(mode.root, 'cgroup.subtree_control'), '+memory +pids +cpu');
      write(join(parent, 'cgroup.subtree_control'), '+memory +pids +cpu');
      mkdirSync(dir, { recursive: true });
      write(join(dir, 'memory.max'), String(memBytes));
      write(join(dir, 'memory.swap.max'), '0');
      write(join(dir, 'pids.max'), String(limits.pids));
      // cpu.weight is 1..10000 with 100 as default; shares use 1024 as default.
      write(join(dir, 'cpu.weight'), String(Math.min(10_000, Math.max(1, Math.round((limits.cpuShares * 100) / 1024)))));
    }
    if (!existsSync(dir)) return null;
    return {
      procsFiles: [join(dir, 'cgroup.procs')],
      pids: () => pidsOf(join(dir, 'cgroup.procs')),
      freeze: () => write(join(dir, 'cgroup.freeze'), '1'),
      thaw: () => write(join(dir, 'cgroup.freeze'), '0'),
      frozen: () => read(join(dir, 'cgroup.freeze')) === '1',
      memoryBytes: () => num(join(dir, 'memory.current')),
      memoryLimitBytes: () => num(join(dir, 'memory.max')),
      cpuSeconds: () => {
        const m = /usage_usec (\d+)/.exec(read(join(dir, 'cpu.stat')) ?? '');
        return m ? Number(m[1]) / 1e6 : null;
      },
      oomKilled: () => Number(/oom_kill (\d+)/.exec(read(join(dir, 'memory.events')) ?? '')?.[1] ?? 0) > 0,
      remove: () => {
        try {
          rmdirSync(dir);
        } catch {
          // still has processes or already gone
        }
      },
    };
  }
  const dirs = Object.fromEntries(V1_CONTROLLERS.map((c) => [c, join(mode.root, c, PARENT, name)])) as Record<(typeof V1_CONTROLLERS)[number], string>;
  if (limits) {
    for (const c of V1_CONTROLLERS) {
      if (existsSync(join(mode.root, c))) mkdirSync(dirs[c], { recursive: true });
    }
    write(join(dirs.memory, 'memory.limit_in_bytes'), String(memBytes));
    // Without swap accounting this file is absent; the memory limit alone then applies.
    write(join(dirs.memory, 'memory.memsw.limit_in_bytes'), String(memBytes));
    write(join(dirs.cpu, 'cpu.shares'), String(Math.max(2, limits.cpuShares)));
    write(join(dirs.pids, 'pids.max'), String(limits.pids));
  }
  if (!existsSync(dirs.memory)) return null;
  const present = V1_CONTROLLERS.filter((c) => existsSync(dirs[c]));
  return {
    procsFiles: present.map((c) => join(dirs[c], 'cgroup.procs')),
    pids: () => pidsOf(join(dirs.memory, 'cgroup.procs')),
    freeze: () => write(join(dirs.freezer, 'freezer.state'), 'FROZEN'),
    thaw: () => write(join(dirs.freezer, 'freezer.state'), 'THAWED'),
    frozen: () => ['FROZEN', 'FREEZING'].includes(read(join(dirs.freezer, 'freezer.state')) ?? ''),
    memoryBytes: () => num(join(dirs.memory, 'memory.usage_in_bytes')),
    memoryLimitBytes: () => num(join(dirs.memory, 'memory.limit_in_bytes')),
    cpuSeconds: () => {
      const ns = num(join(mode.root, 'cpuacct', PARENT, name, 'cpuacct.usage'));
      return ns === null ? null : ns / 1e9;
    },
    oomKilled: () => {
      const text = read(join(dirs.memory, 'memory.oom_control')) ?? '';
      const kills = /oom_kill (\d+)/.exec(text);
      if (kills) return Number(kills[1]) > 0;
      return (num(join(dirs.memory, 'memory.failcnt')) ?? 0) > 0;
    },
    remove: () => {
      for (const c of present) {
        try {
          rmdirSync(dirs[c]);
        } catch {
          // still has processes or already gone
        }
      }
    },
  };
}
