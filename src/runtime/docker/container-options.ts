// The container an agent runs in: every isolation setting of the docker driver is here, in one
// pure function, so it can be read (and unit-tested) at a glance.
import type Docker from 'dockerode';
import { AGENT_SOCKET_NAME, HOST_SOCKET_NAME, SANDBOX_SOCKET_DIR, type AgentStartSpec } from '../runtime.js';
import { IMAGE_NODE_PATH } from './node-image.js';

/** The agent's writable dir as the program sees it (PILOX_WORK_DIR). */
export const CONTAINER_WORK_DIR = '/pilox/work';
export const LABEL_AGENT = 'io.pilox.agent-id';
export const LABEL_MANAGED = 'io.pilox.managed-by';
export const LABEL_SLUG = 'io.pilox.slug';

export interface Rlimits {
  nofile: number;
  nproc: number;
}
/** What an agent needs; lowered to the host's hard limits (an engine without CAP_SYS_RESOURCE cannot raise them). */
export const WANTED_RLIMITS: Rlimits = { nofile: 4096, nproc: 8192 };

/** `Max processes` / `Max open files` hard limits from /proc/<pid>/limits text; unlimited → Infinity. */
export function parseHardLimits(text: string): Partial<Rlimits> {
  const out: Partial<Rlimits> = {};
  for (const [label, key] of [['Max processes', 'nproc'], ['Max open files', 'nofile']] as const) {
    const m = new RegExp(`^${label}\\s+\\S+\\s+(\\S+)`, 'm').exec(text);
    if (m) out[key] = m[1] === 'unlimited' ? Infinity : Number(m[1]);
  }
  return out;
}

export function containerName(agentId: string): string {
  return `pilox-agent-${agentId.replace(/[^a-zA-Z0-9_.-]/g, '-')}`;
}

export function containerOptions(
  spec: AgentStartSpec,
  o: { name: string; image: string; uid: number; rlimits?: Rlimits },
): Docker.ContainerCreateOptions {
  const rl = o.rlimits ?? WANTED_RLIMITS;
  const p = spec.program;
  const roPaths = p.kind === 'node' ? p.readOnlyPaths : [];
  // `src:dst:mode` has no escaping: a ':' in a path would change what gets mounted.
  for (const path of [spec.socketDir, spec.workDir, ...roPaths]) {
    if (path.includes(':') || !path.startsWith('/')) {
      throw new Error(`docker runtime: cannot bind ${JSON.stringify(path)} (an absolute path without ':' is required)`);
    }
  }
  const env: Record<string, string> = {
    ...(p.kind === 'node' ? { HOME: CONTAINER_WORK_DIR } : {}),
    ...spec.env,
    PILOX_AGENT_SOCKET: `${SANDBOX_SOCKET_DIR}/${AGENT_SOCKET_NAME}`,
    PILOX_HOST_SOCKET: `${SANDBOX_SOCKET_DIR}/${HOST_SOCKET_NAME}`,
    PILOX_WORK_DIR: CONTAINER_WORK_DIR,
  };
  const memory = spec.limits.memoryMb * 1024 * 1024;
  return {
    name: o.name,
    Image: o.image,
    // node programs: `node <entry> …args` in the base image; images keep their own entrypoint.
    ...(p.kind === 'node' ? { Entrypoint: [IMAGE_NODE_PATH], Cmd: [p.entry, ...(p.args ?? [])], WorkingDir: CONTAINER_WORK_DIR } : {}),
    ...(p.kind === 'image' && p.cmd ? { Cmd: p.cmd } : {}),
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    User: `${o.uid}:${o.uid}`,
    Labels: { [LABEL_AGENT]: spec.agentId, [LABEL_MANAGED]: 'pilox', [LABEL_SLUG]: spec.slug },
    NetworkDisabled: true,
    HostConfig: {
      NetworkMode: 'none',
      Binds: [
        `${spec.socketDir}:${SANDBOX_SOCKET_DIR}:rw`,
        `${spec.workDir}:${CONTAINER_WORK_DIR}:rw`,
        ...roPaths.map((path) => `${path}:${path}:ro`),
      ],
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,noexec,nosuid,nodev,size=64m,mode=1777' },
      Memory: memory,
      MemorySwap: memory, // no swap: the limit is the limit
      CpuShares: spec.limits.cpuShares,
      PidsLimit: spec.limits.pids,
      // Explicit rlimits: engine defaults (1M files, 4M processes) can exceed what the host
      // allows, and a program never needs more. nproc counts every process of the uid on the
      // host (all agents share it); PidsLimit is the per-agent bound.
      Ulimits: [
        { Name: 'nofile', Soft: rl.nofile, Hard: rl.nofile },
        { Name: 'nproc', Soft: rl.nproc, Hard: rl.nproc },
      ],
      // A tiny init as pid 1 forwards SIGTERM (node as pid 1 would ignore it) and reaps zombies.
      Init: true,
      RestartPolicy: { Name: 'no' },
      IpcMode: 'private',
    },
  };
}
