// `process`: the agent as a plain child process, for development on machines without
// bubblewrap. No isolation at all, so it is refused in production unless the operator opts in
// (PILOX_ALLOW_UNSANDBOXED=true), and every start logs a warning.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../lib/logger.js';
import { processTree, procStat, signal } from './proc.js';
import { AGENT_SOCKET_NAME, HOST_SOCKET_NAME, type AgentRuntime, type InstanceRef } from './runtime.js';
import { createSpawnDriver, procTreeStats } from './spawn-driver.js';

export function createProcessDriver(deps: { production: boolean; allowUnsandboxed: boolean; logger?: Logger; nodePath?: string }): AgentRuntime {
  const node = deps.nodePath ?? process.execPath;
  const pid = (ref: InstanceRef) => Number(ref.id);
  const refused = deps.production && !deps.allowUnsandboxed;

  return createSpawnDriver({
    name: 'process',
    async available() {
      return refused
        ? { available: false, reason: 'unsandboxed processes are refused in production (set PILOX_ALLOW_UNSANDBOXED=true to allow)' }
        : { available: true };
    },
    async plan(spec) {
      if (refused) throw new Error('the process runtime is refused in production unless PILOX_ALLOW_UNSANDBOXED=true');
      if (spec.program.kind !== 'node') throw new Error('the process runtime only runs node programs');
      deps.logger?.warn({ agentId: spec.agentId, slug: spec.slug }, 'starting an agent WITHOUT isolation (process runtime)');
      mkdirSync(spec.workDir, { recursive: true, mode: 0o700 });
      mkdirSync(spec.socketDir, { recursive: true, mode: 0o700 });
      return {
        command: node,
        args: [spec.program.entry, ...(spec.program.args ?? [])],
        cwd: spec.workDir,
        env: {
          PATH: '/usr/local/bin:/usr/bin:/bin',
          ...spec.env,
          PILOX_AGENT_SOCKET: join(spec.socketDir, AGENT_SOCKET_NAME),
          PILOX_HOST_SOCKET: join(spec.socketDir, HOST_SOCKET_NAME),
          PILOX_WORK_DIR: spec.workDir,
        },
      };
    },
    signalAll(ref, sig) {
      // The child leads its own process group (detached spawn).
      if (!signal(-pid(ref), sig)) signal(pid(ref), sig);
    },
    async pause(ref) {
      signal(-pid(ref), 'SIGSTOP');
    },
    async resume(ref) {
      signal(-pid(ref), 'SIGCONT');
    },
    paused: (ref) => procStat(pid(ref))?.state === 'T',
    async stats(ref) {
      return procTreeStats(processTree(pid(ref)));
    },
  });
}
