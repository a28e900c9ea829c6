// The one interface every agent runtime driver implements (sandbox, process, docker…). The
// agents module and the supervisor only ever see this; drivers know nothing of the database,
// of HTTP or of who owns the agent. Pilox's side of the agent's pilox.sock is served by the
// caller (src/runtime/host-socket.ts), not by drivers, so drivers only deal with isolation.
import type { AgentEndpoint } from '../modules/a2a/a2a.ports.js';

export type RuntimeDriverName = 'sandbox' | 'process' | 'docker';

/** File names inside the per-agent socket dir (bound at /run/pilox inside isolated runtimes). */
export const AGENT_SOCKET_NAME = 'agent.sock';
export const HOST_SOCKET_NAME = 'pilox.sock';
/** Where isolated drivers bind the socket dir inside the agent's filesystem. */
export const SANDBOX_SOCKET_DIR = '/run/pilox';

export interface RuntimeLimits {
  /** Hard memory limit; the program is killed (OOM) past it. */
  memoryMb: number;
  /** Relative CPU weight, 1..10000 (cgroup v1 cpu.shares scale: 1024 = one default share). */
  cpuShares: number;
  /** Maximum number of processes/threads. */
  pids: number;
}

/** What to run. `node`: `node <entry> ...args`; `image`: an OCI image (docker driver only). */
export type AgentProgram =
  | {
      kind: 'node';
      /** Absolute path of the JS entry point on the host. */
      entry: string;
      args?: string[];
      /**
       * Host directories the program needs to read (its package dir, the runner dir). Isolated
       * drivers bind exactly these read-only, at the same path, plus the node binary and its libs.
       */
      readOnlyPaths: string[];
    }
  | { kind: 'image'; image: string; cmd?: string[] };

export interface AgentStartSpec {
  agentId: string;
  slug: string;
  program: AgentProgram;
  /**
   * Plain env and resolved secret values. Drivers add PILOX_AGENT_SOCKET, PILOX_HOST_SOCKET and
   * PILOX_WORK_DIR with the paths as the program sees them (see ManagedRunner in agent-host.ts).
   */
  env: Record<string, string>;
  limits: RuntimeLimits;
  /** Host dirs, created by the caller (mode 0700 on the host, chowned by drivers as needed). */
  workDir: string;
  /** Holds agent.sock (served by the program) and pilox.sock (served by the caller). */
  socketDir: string;
  /** Drivers write the program's stdout/stderr here (src/runtime/log-files.ts: rotating, size-capped). */
  logDir: string;
  /** Called once when the program ends on its own or is stopped (not for a Pilox restart). */
  onExit?: (exit: RuntimeExit) => void;
}

/**
 * Identifies a running instance. JSON-serializable: it is stored with the agent so a restarted
 * Pilox can inspect/stop what a previous process started (never duplicate, never orphan).
 */
export interface InstanceRef {
  driver: RuntimeDriverName;
  agentId: string;
  /** Driver-specific: a pid for sandbox/process, a container id for docker. */
  id: string;
  /** Paths the driver needs to find the instance again (socket dir, cgroup name…). */
  socketDir: string;
  logDir: string;
  startedAt: string;
}

export interface RuntimeExit {
  /** Null when killed by a signal. */
  exitCode: number | null;
  signal: string | null;
  /** Human-readable: "exited with code 1", "killed: out of memory", "stopped". */
  reason: string;
  /** True when Pilox asked for it (stop), false for a crash or a normal exit on its own. */
  requested: boolean;
}

export type InstanceState =
  | { state: 'running' }
  | { state: 'paused' }
  | { state: 'exited'; exit: RuntimeExit }
  /** The driver cannot find it any more (host rebooted, container removed). */
  | { state: 'missing' };

export interface InstanceStats {
  memoryBytes: number | null;
  memoryLimitBytes: number | null;
  /** Cumulative CPU time used, in seconds. */
  cpuSeconds: number | null;
  pids: number | null;
}

export interface LogLine {
  ts: string;
  stream: 'stdout' | 'stderr' | 'system';
  line: string;
}

export interface LogOptions {
  /** Last N lines (default 100, max 10000). */
  tail?: number;
  /** Keep yielding new lines until `signal` aborts. */
  follow?: boolean;
  signal?: AbortSignal;
}

export type RuntimeAvailability = { available: true } | { available: false; reason: string };

export interface AgentRuntime {
  readonly name: RuntimeDriverName;
  /**
   * The uid the agent's program runs as when it is not Pilox's own (sandbox, docker): Pilox
   * hands it the agent's pilox.sock, which is otherwise 0600 root and unreachable for the agent.
   */
  readonly agentUid?: number;
  /** Whether this driver can run agents on this machine, and why not (shown in /api/system/health). */
  available(): Promise<RuntimeAvailability>;
  /** Starts the program; resolves once it runs (readiness = card on agent.sock is the supervisor's job). */
  start(spec: AgentStartSpec): Promise<InstanceRef>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 5000). Idempotent; works on a ref from a previous Pilox process. */
  stop(ref: InstanceRef, opts?: { graceMs?: number }): Promise<void>;
  pause(ref: InstanceRef): Promise<void>;
  resume(ref: InstanceRef): Promise<void>;
  inspect(ref: InstanceRef): Promise<InstanceState>;
  logs(ref: InstanceRef, opts?: LogOptions): AsyncIterable<LogLine>;
  stats(ref: InstanceRef): Promise<InstanceStats>;
  /** Where Pilox reaches the agent's A2A server (the agent.sock in the socket dir, as seen from the host). */
  endpoint(ref: InstanceRef): AgentEndpoint;
}
