// What the process and sandbox drivers share: spawn a child, capture its output into the
// agent's rotating log files, remember its exit, and find it again by pid after a Pilox restart.
// Drivers supply how to build the command and how to pause/limit/kill it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createLogWriter, readLogs } from './log-files.js';
import { pidAlive, pidBelongsTo, procStat, sleep } from './proc.js';
import {
  AGENT_SOCKET_NAME,
  type AgentRuntime,
  type AgentStartSpec,
  type InstanceRef,
  type InstanceState,
  type InstanceStats,
  type RuntimeAvailability,
  type RuntimeDriverName,
  type RuntimeExit,
} from './runtime.js';

export interface SpawnPlan {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

export interface SpawnHooks {
  name: RuntimeDriverName;
  /** The uid the program runs as, when Pilox drops to one (AgentRuntime.agentUid). */
  agentUid?: number;
  available(): Promise<RuntimeAvailability>;
  /** Prepares (cgroups, ownership) and returns the command. */
  plan(spec: AgentStartSpec): Promise<SpawnPlan>;
  /** Called with the pid right after spawn, before the program can do much. */
  afterSpawn?(spec: AgentStartSpec, pid: number): void;
  /** Signals every process of the instance (the pid may be from a previous Pilox process). */
  signalAll(ref: InstanceRef, sig: NodeJS.Signals): void;
  pause(ref: InstanceRef): Promise<void>;
  resume(ref: InstanceRef): Promise<void>;
  paused(ref: InstanceRef): boolean;
  stats(ref: InstanceRef): Promise<InstanceStats>;
  /** Why it died beyond the exit status (e.g. the cgroup's OOM counter). */
  explainExit?(ref: InstanceRef): string | null;
  /** Frees what plan() created (cgroups) once the instance is gone. */
  cleanup?(ref: InstanceRef): Promise<void>;
}

interface Tracked {
  ref: InstanceRef;
  exit: RuntimeExit | null;
  exited: Promise<void>;
  stopRequested: boolean;
}

function describeExit(code: number | null, sig: string | null): string {
  if (sig) return `killed by ${sig}`;
  return `exited with code ${code}`;
}

export function createSpawnDriver(hooks: SpawnHooks): AgentRuntime {
  const tracked = new Map<string, Tracked>();
  const key = (ref: InstanceRef) => `${ref.agentId}:${ref.id}`;

  function alive(ref: InstanceRef): boolean {
    const pid = Number(ref.id);
    return pidAlive(pid) && pidBelongsTo(pid, ref.agentId);
  }

  return {
    name: hooks.name,
    agentUid: hooks.agentUid,
    available: () => hooks.available(),

    async start(spec) {
      const plan = await hooks.plan(spec);
      const logs = createLogWriter(spec.logDir);
      const child = spawn(plan.command, plan.args, {
        cwd: plan.cwd,
        env: { ...plan.env, PILOX_AGENT_ID: spec.agentId },
        // Own process group: a stop reaches grandchildren, and Ctrl-C on Pilox does not.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const pid = await new Promise<number>((resolve, reject) => {
        child.once('spawn', () => resolve(child.pid!));
        child.once('error', reject);
      });
      hooks.afterSpawn?.(spec, pid);
      logs.attach('stdout', child.stdout!);
      logs.attach('stderr', child.stderr!);
      const ref: InstanceRef = {
        driver: hooks.name,
        agentId: spec.agentId,
        id: String(pid),
        socketDir: spec.socketDir,
        logDir: spec.logDir,
        startedAt: new Date().toISOString(),
      };
      let done!: () => void;
      const entry: Tracked = { ref, exit: null, exited: new Promise((r) => (done = r)), stopRequested: false };
      tracked.set(key(ref), entry);
      child.once('exit', (code, sig) => {
        const extra = hooks.explainExit?.(ref) ?? null;
        const reason = entry.stopRequested ? 'stopped' : (extra ?? describeExit(code, sig));
        entry.exit = { exitCode: code, signal: sig, reason, requested: entry.stopRequested };
        logs.write('system', `agent ${reason}`);
        // Kill whatever the program left behind in its group/cgroup, then free the cgroup.
        hooks.signalAll(ref, 'SIGKILL');
        void (hooks.cleanup?.(ref) ?? Promise.resolve()).finally(() => {
          done();
          spec.onExit?.(entry.exit!);
        });
      });
      return ref;
    },

    async stop(ref, opts = {}) {
      const entry = tracked.get(key(ref));
      if (entry) {
        if (entry.exit) return;
        entry.stopRequested = true;
        if (hooks.paused(ref)) await hooks.resume(ref).catch(() => {});
        hooks.signalAll(ref, 'SIGTERM');
        const killed = await Promise.race([entry.exited.then(() => true), sleep(opts.graceMs ?? 5000).then(() => false)]);
        if (!killed) {
          hooks.signalAll(ref, 'SIGKILL');
          await entry.exited;
        }
        return;
      }
      // Started by a previous Pilox process: no child handle, only the pid (checked against reuse).
      if (!alive(ref)) {
        await hooks.cleanup?.(ref);
        return;
      }
      if (hooks.paused(ref)) await hooks.resume(ref).catch(() => {});
      hooks.signalAll(ref, 'SIGTERM');
      const deadline = Date.now() + (opts.graceMs ?? 5000);
      while (alive(ref) && Date.now() < deadline) await sleep(50);
      hooks.signalAll(ref, 'SIGKILL');
      for (let i = 0; i < 100 && alive(ref); i++) await sleep(50);
      await hooks.cleanup?.(ref);
    },

    async pause(ref) {
      if (!(await isRunning(ref))) throw new Error('instance is not running');
      await hooks.pause(ref);
      // Signals and the freezer act asynchronously: report success once it took effect.
      for (let i = 0; i < 100 && !hooks.paused(ref); i++) await sleep(10);
    },
    async resume(ref) {
      await hooks.resume(ref);
      for (let i = 0; i < 100 && hooks.paused(ref); i++) await sleep(10);
    },

    async inspect(ref): Promise<InstanceState> {
      const entry = tracked.get(key(ref));
      if (entry?.exit) return { state: 'exited', exit: entry.exit };
      if (!entry && !alive(ref)) return { state: 'missing' };
      return hooks.paused(ref) ? { state: 'paused' } : { state: 'running' };
    },

    logs: (ref, opts) => readLogs(ref.logDir, opts),

    async stats(ref) {
      if (!(await isRunning(ref))) return { memoryBytes: null, memoryLimitBytes: null, cpuSeconds: null, pids: null };
      return hooks.stats(ref);
    },

    endpoint: (ref) => ({ kind: 'unix', socketPath: join(ref.socketDir, AGENT_SOCKET_NAME) }),
  };

  async function isRunning(ref: InstanceRef): Promise<boolean> {
    const entry = tracked.get(key(ref));
    if (entry) return entry.exit === null;
    return alive(ref);
  }
}

/** RSS and CPU of a process tree from /proc (the process driver has no cgroup). */
export function procTreeStats(pids: number[]): InstanceStats {
  let mem = 0;
  let cpu = 0;
  let n = 0;
  for (const pid of pids) {
    const s = procStat(pid);
    if (!s) continue;
    mem += s.rssBytes;
    cpu += s.cpuSeconds;
    n++;
  }
  return { memoryBytes: mem, memoryLimitBytes: null, cpuSeconds: cpu, pids: n };
}
