// `sandbox`: bubblewrap run as an unprivileged uid (setpriv drops root BEFORE bwrap runs, so
// bwrap never holds privileges), every namespace unshared including the network, read-only
// binds of only the node binary + its libraries and the program's directories, a private /tmp,
// one writable work dir, no capabilities, a new session. The agent's only way out is the
// per-agent socket dir bound at /run/pilox. Limits and pause use the agent's cgroup.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from '../lib/logger.js';
import { agentCgroup, detectCgroups, type AgentCgroup, type CgroupMode } from './cgroups.js';
import { childrenOf, procStat, processTree, signal } from './proc.js';
import { AGENT_SOCKET_NAME, HOST_SOCKET_NAME, SANDBOX_SOCKET_DIR, type AgentRuntime, type InstanceRef, type RuntimeAvailability } from './runtime.js';
import { createSpawnDriver, procTreeStats } from './spawn-driver.js';

// Not /work: host paths bound at their own path (the package dir) must not be shadowed.
const WORK_IN_SANDBOX = '/home/agent';

function which(bin: string): string | null {
  for (const dir of ['/usr/bin', '/bin', '/usr/local/bin', '/usr/sbin', '/sbin']) {
    if (existsSync(join(dir, bin))) return join(dir, bin);
  }
  return null;
}

/** The node binary and the shared libraries it loads (from ldd), to bind read-only. */
function nodeFiles(node: string): string[] {
  const files = new Set<string>([node]);
  try {
    const out = execFileSync('ldd', [node], { encoding: 'utf8' });
    for (const m of out.matchAll(/(\/\S+)/g)) {
      files.add(m[1]!);
      if (existsSync(m[1]!)) files.add(realpathSync(m[1]!));
    }
  } catch {
    // statically linked
  }
  return [...files].filter((f) => existsSync(f));
}

/** bwrap runs as the sandbox uid and must be able to reach the bound paths: add o+x to ancestors. */
function ensureTraversable(path: string): void {
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const mode = statSync(dir).mode;
      if ((mode & 0o001) === 0) chmodSync(dir, (mode & 0o7777) | 0o001);
    } catch {
      return;
    }
  }
}

/**
 * The agent's env passes through the shell, setpriv and bwrap, which run as root before the
 * drop: loader and libc variables there (LD_PRELOAD of a .so in the agent's own package or work
 * dir…) would run the owner's code as root on the host. glibc ignores these for setuid
 * programs for the same reason; we drop them (the shell's IFS too, which would split the cgroup
 * paths elsewhere).
 */
const ROOT_UNSAFE_ENV = /^(LD_.*|GLIBC_TUNABLES|GCONV_PATH|GETCONF_DIR|HOSTALIASES|LOCALDOMAIN|LOCPATH|MALLOC_.*|NIS_PATH|NLSPATH|RESOLV_HOST_CONF|RES_OPTIONS|TMPDIR|TZDIR|IFS|ENV|BASH_ENV|CDPATH|PS4|SHELLOPTS|BASHOPTS|PATH)$/;

export function safeForRoot(env: Record<string, string>, onDrop?: (name: string) => void): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (ROOT_UNSAFE_ENV.test(k)) onDrop?.(k);
    else out[k] = v;
  }
  return out;
}

export function createSandboxDriver(deps: { uid: number; logger?: Logger; nodePath?: string; cgroupRoot?: string }): AgentRuntime {
  const node = realpathSync(deps.nodePath ?? process.execPath);
  const bwrap = which('bwrap');
  const setpriv = which('setpriv');
  const cgroups: CgroupMode = detectCgroups(deps.cgroupRoot);
  let probe: RuntimeAvailability | null = null;
  // ldd is a shell script: run it once, not on every start.
  let nodeBinds: string[] | null = null;
  const groups = new Map<string, AgentCgroup | null>();
  const pid = (ref: InstanceRef) => Number(ref.id);
  const group = (ref: InstanceRef): AgentCgroup | null => {
    if (!groups.has(ref.agentId)) groups.set(ref.agentId, agentCgroup(cgroups, ref.agentId));
    return groups.get(ref.agentId) ?? null;
  };
  /** The sandbox's pid-namespace init (bwrap's child): killing it kills everything inside. */
  const nsInit = (ref: InstanceRef) => childrenOf(pid(ref))[0];

  async function available(): Promise<RuntimeAvailability> {
    if (probe) return probe;
    if (process.platform !== 'linux') return (probe = { available: false, reason: 'bubblewrap needs Linux' });
    if (!bwrap) return (probe = { available: false, reason: 'bubblewrap (bwrap) is not installed' });
    if (!setpriv) return (probe = { available: false, reason: 'setpriv (util-linux) is not installed' });
    if (process.getuid?.() !== 0) return (probe = { available: false, reason: 'Pilox must run as root to drop agents to PILOX_SANDBOX_UID' });
    if (cgroups.version === 0) return (probe = { available: false, reason: `no cgroup limits: ${cgroups.reason}` });
    try {
      execFileSync(setpriv, [...privDrop(), bwrap, '--unshare-all', '--ro-bind', '/', '/', '/bin/true'], { stdio: 'pipe', timeout: 10_000 });
    } catch (err) {
      const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim();
      return (probe = { available: false, reason: `bubblewrap cannot create namespaces as uid ${deps.uid}: ${stderr || (err as Error).message}` });
    }
    return (probe = { available: true });
  }

  function privDrop(): string[] {
    return [`--reuid=${deps.uid}`, `--regid=${deps.uid}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs', '--'];
  }

  return createSpawnDriver({
    name: 'sandbox',
    agentUid: deps.uid,
    available,
    async plan(spec) {
      const ok = await available();
      if (!ok.available) throw new Error(`sandbox runtime unavailable: ${ok.reason}`);
      if (spec.program.kind !== 'node') throw new Error('the sandbox runtime only runs node programs');
      for (const dir of [spec.workDir, spec.socketDir]) {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        chownSync(dir, deps.uid, deps.uid);
        ensureTraversable(dir);
      }
      const cg = agentCgroup(cgroups, spec.agentId, spec.limits);
      groups.set(spec.agentId, cg);
      const args = [
        '--unshare-all',
        '--new-session',
        '--die-with-parent',
        '--cap-drop', 'ALL',
        '--hostname', 'pilox-agent',
        '--proc', '/proc',
        '--dev', '/dev',
        '--tmpfs', '/tmp',
        '--bind', spec.workDir, WORK_IN_SANDBOX,
        '--bind', spec.socketDir, SANDBOX_SOCKET_DIR,
      ];
      const nodeInside = '/usr/bin/node';
      nodeBinds ??= nodeFiles(node);
      for (const f of nodeBinds) args.push('--ro-bind', f, f === node ? nodeInside : f);
      for (const p of spec.program.readOnlyPaths) {
        ensureTraversable(p);
        args.push('--ro-bind', p, p);
      }
      // The root bwrap builds is a writable tmpfs: freeze it, so only /tmp and the work dir take writes.
      args.push('--remount-ro', '/', '--chdir', WORK_IN_SANDBOX);
      args.push(nodeInside, spec.program.entry, ...(spec.program.args ?? []));
      // The shell joins the agent's cgroups first, then execs setpriv → bwrap: the whole sandbox
      // is limited from its first instruction, and the pid we keep is bwrap's.
      const join_ = "IFS=' '; " + 'for f in $PILOX_CGROUP_PROCS; do echo $$ > "$f" || exit 97; done; unset PILOX_CGROUP_PROCS; exec "$@"';
      return {
        command: '/bin/sh',
        args: ['-c', join_, 'pilox-sandbox', setpriv!, ...privDrop(), bwrap!, ...args],
        cwd: '/',
        env: {
          PATH: '/usr/bin:/bin',
          HOME: WORK_IN_SANDBOX,
          ...safeForRoot(spec.env, (name) => deps.logger?.warn({ agentId: spec.agentId, name }, 'sandbox: dropped an env variable that would act on the root-run setup')),
          PILOX_CGROUP_PROCS: (cg?.procsFiles ?? []).join(' '),
          PILOX_AGENT_SOCKET: join(SANDBOX_SOCKET_DIR, AGENT_SOCKET_NAME),
          PILOX_HOST_SOCKET: join(SANDBOX_SOCKET_DIR, HOST_SOCKET_NAME),
          PILOX_WORK_DIR: WORK_IN_SANDBOX,
        },
      };
    },
    signalAll(ref, sig) {
      const cg = group(ref);
      // SIGTERM goes to the program(s), which pid-1 init would ignore; SIGKILL to everything,
      // the namespace init first (its death kills the whole pid namespace).
      if (sig === 'SIGKILL') {
        const init = nsInit(ref);
        if (init) signal(init, 'SIGKILL');
      }
      const pids = new Set([...(cg?.pids() ?? []), ...processTree(pid(ref))]);
      for (const p of pids) signal(p, sig);
    },
    async pause(ref) {
      const cg = group(ref);
      if (cg?.freeze()) return;
      for (const p of processTree(pid(ref))) signal(p, 'SIGSTOP');
    },
    async resume(ref) {
      const cg = group(ref);
      if (cg?.thaw()) return;
      for (const p of processTree(pid(ref))) signal(p, 'SIGCONT');
    },
    paused(ref) {
      const cg = group(ref);
      if (cg?.frozen()) return true;
      const init = nsInit(ref);
      return init !== undefined && procStat(init)?.state === 'T';
    },
    async stats(ref) {
      const cg = group(ref);
      if (!cg) return procTreeStats(processTree(pid(ref)));
      return { memoryBytes: cg.memoryBytes(), memoryLimitBytes: cg.memoryLimitBytes(), cpuSeconds: cg.cpuSeconds(), pids: cg.pids().length };
    },
    explainExit(ref) {
      return group(ref)?.oomKilled() ? 'killed: out of memory' : null;
    },
    async cleanup(ref) {
      const cg = group(ref);
      if (!cg) return;
      for (let i = 0; i < 40 && cg.pids().length > 0; i++) await new Promise((r) => setTimeout(r, 25));
      cg.remove();
      groups.delete(ref.agentId);
    },
  });
}
