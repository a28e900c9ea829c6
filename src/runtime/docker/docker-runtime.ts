// The `docker` runtime driver: each agent is one container, created through the Docker Engine
// API (or podman's compatible API) at DOCKER_HOST. Isolation: no network at all (NetworkMode
// none; Pilox and the agent meet only on the unix sockets of the bound socket dir), every
// capability dropped, no-new-privileges, read-only root with a private tmpfs /tmp, one writable
// work dir, a non-root uid, and memory/CPU/pids limits enforced by the engine's cgroups.
import { chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { Logger } from '../../lib/logger.js';
import { ConflictError, NotFoundError, ServiceUnavailableError } from '../../lib/errors.js';
import {
  AGENT_SOCKET_NAME,
  type AgentRuntime,
  type AgentStartSpec,
  type InstanceRef,
  type InstanceState,
  type InstanceStats,
  type LogLine,
  type LogOptions,
  type RuntimeAvailability,
  type RuntimeExit,
} from '../runtime.js';
import { createDockerClient, describeTarget, parseDockerHost } from './docker-client.js';
import { exitFromState, type EngineState } from './docker-exit.js';
import { LogDemuxer, pumpLogs } from './docker-logs.js';
import { createLogWriter, LOG_FILE, readLogs, type LogWriter } from '../log-files.js';
import { containerName, containerOptions, parseHardLimits, WANTED_RLIMITS, type Rlimits } from './container-options.js';
import { ensureNodeImage } from './node-image.js';

const EXIT_RECORD = 'docker-exit.json';
const PULL_TIMEOUT_MS = 5 * 60_000;

export interface DockerRuntimeOptions {
  /** config.DOCKER_HOST; unset → /var/run/docker.sock. */
  dockerHost?: string | undefined;
  /** Non-root uid (and gid) every container runs as: config.PILOX_SANDBOX_UID. */
  uid: number;
  /** Image for `node` programs; unset → built once from the host's node (node-image.ts). */
  nodeImage?: string | undefined;
  logger?: Logger | undefined;
}

export type DockerRuntime = AgentRuntime & {
  readonly docker: Docker;
  /** Stops watching containers (open `wait` requests) so the process can exit; containers keep running. */
  close(): void;
};

interface Pump {
  done: Promise<void>;
  writer: LogWriter;
  finished: boolean;
}

const statusOf = (err: unknown): number | undefined => (err as { statusCode?: number } | null)?.statusCode;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createDockerRuntime(opts: DockerRuntimeOptions): DockerRuntime {
  const target = parseDockerHost(opts.dockerHost);
  const docker = createDockerClient(target);
  const log = opts.logger;
  const stopRequested = new Set<string>();
  const watchers = new Map<string, Promise<void>>();
  /**
   * Copies of container output into logDir, by container id. Kept after the copy ends (until the
   * container is removed) so the same output is never copied twice.
   */
  const pumps = new Map<string, Pump>();
  const closing = new AbortController();
  let nodeImage: Promise<string> | null = opts.nodeImage ? Promise.resolve(opts.nodeImage) : null;

  const exitRecordPath = (ref: InstanceRef) => join(ref.logDir, EXIT_RECORD);

  /**
   * Starts copying the container's output into ref.logDir (once per container). `catchUp`: only
   * output newer than the log file (a Pilox restarted while the container ran).
   */
  function pump(containerId: string, logDir: string, catchUp: boolean): Pump {
    const existing = pumps.get(containerId);
    if (existing) return existing;
    // Registered before any await, so two concurrent callers never copy the same output twice.
    const entry: Pump = { done: Promise.resolve(), writer: createLogWriter(logDir), finished: false };
    pumps.set(containerId, entry);
    entry.done = (async () => {
      const sinceSec = catchUp
        ? await stat(join(logDir, LOG_FILE)).then((st) => Math.floor(st.mtimeMs / 1000), () => undefined)
        : undefined;
      await pumpLogs(docker, containerId, entry.writer, { ...(sinceSec ? { sinceSec } : {}), signal: closing.signal });
    })().finally(() => {
      entry.finished = true;
    });
    return entry;
  }

  /** Waits (bounded) until the container's output is in logDir, then notes the exit there. */
  async function finishLogs(containerId: string, logDir: string, exit: RuntimeExit): Promise<void> {
    const p = pump(containerId, logDir, true); // the running copy, or a catch-up when none ran here
    await Promise.race([p.done, sleep(5000)]);
    p.writer.write('system', `agent ${exit.reason}`);
  }

  let rlimits: Promise<Rlimits> | null = null;
  /** Pilox runs on the engine's host (the binds require it), so its own hard limits are the host's. */
  function hostRlimits(): Promise<Rlimits> {
    rlimits ??= readFile('/proc/self/limits', 'utf8').then(
      (text) => {
        const hard = parseHardLimits(text);
        return {
          nofile: Math.min(WANTED_RLIMITS.nofile, hard.nofile ?? Infinity),
          nproc: Math.min(WANTED_RLIMITS.nproc, hard.nproc ?? Infinity),
        };
      },
      () => WANTED_RLIMITS,
    );
    return rlimits;
  }

  async function readExitRecord(ref: InstanceRef): Promise<RuntimeExit | null> {
    try {
      const rec = JSON.parse(await readFile(exitRecordPath(ref), 'utf8')) as { containerId: string; exit: RuntimeExit };
      return rec.containerId === ref.id ? rec.exit : null;
    } catch {
      return null;
    }
  }

  async function ensureImage(image: string): Promise<void> {
    try {
      await docker.getImage(image).inspect();
      return;
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
    let why = 'the engine did not fetch it';
    try {
      // Bounded: a start runs under the agent's lifecycle lock, and a registry may hang.
      const stream = await docker.pull(image, { abortSignal: AbortSignal.timeout(PULL_TIMEOUT_MS) });
      const events = await new Promise<Array<{ error?: string }>>((resolve, reject) =>
        docker.modem.followProgress(stream, (e: Error | null, out: unknown[]) => (e ? reject(e) : resolve(out as never))),
      );
      why = events.find((e) => e.error)?.error ?? why;
      // Engines differ on whether a failed pull is an HTTP error or an event in the stream: ask again.
      await docker.getImage(image).inspect();
    } catch (err) {
      throw new ServiceUnavailableError(
        `Image ${image} is not on the Docker host and could not be pulled: ${statusOf(err) === 404 ? why : (err as Error).message}`,
        'AGENT_IMAGE_UNAVAILABLE',
      );
    }
  }

  /** The agent writes its socket and files as the non-root uid; Pilox (root) keeps access. */
  async function prepareDirs(spec: AgentStartSpec): Promise<void> {
    for (const dir of [spec.workDir, spec.socketDir, spec.logDir]) await mkdir(dir, { recursive: true, mode: 0o700 });
    for (const dir of [spec.workDir, spec.socketDir]) {
      try {
        await chown(dir, opts.uid, opts.uid);
      } catch (err) {
        log?.warn({ err, dir }, 'docker runtime: cannot chown agent dir to the sandbox uid (is Pilox root?)');
      }
    }
    // A socket left by a previous run would make a dead agent look connectable.
    await rm(join(spec.socketDir, AGENT_SOCKET_NAME), { force: true });
  }

  /** podman refuses to stop or remove a paused container (Docker copes): thaw it first. */
  async function thaw(idOrName: string): Promise<void> {
    await docker
      .getContainer(idOrName)
      .unpause()
      .catch(() => undefined);
  }

  async function removeByName(name: string): Promise<void> {
    try {
      await thaw(name);
      await docker.getContainer(name).remove({ force: true });
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
  }

  async function inspect(ref: InstanceRef): Promise<InstanceState> {
    let info: Docker.ContainerInspectInfo;
    try {
      info = await docker.getContainer(ref.id).inspect();
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
      const exit = await readExitRecord(ref);
      return exit ? { state: 'exited', exit } : { state: 'missing' };
    }
    const s = info.State as EngineState;
    if (s.Status === 'paused' || s.Status === 'running' || s.Status === 'restarting') {
      // Re-adoption after a Pilox restart: resume copying its output.
      // (Also when an earlier copy ended early, e.g. the engine's API restarted.)
      if (pumps.get(ref.id)?.finished) pumps.delete(ref.id);
      if (!closing.signal.aborted) pump(ref.id, ref.logDir, true);
      return { state: s.Status === 'paused' ? 'paused' : 'running' };
    }
    return { state: 'exited', exit: exitFromState(s, stopRequested.has(ref.id)) };
  }

  /** Calls onExit once when the container stops; survives a restart of the engine's API. */
  function watch(ref: InstanceRef, onExit: AgentStartSpec['onExit']): void {
    const p = (async () => {
      let exit: RuntimeExit | null = null;
      // Loops because a wait can end early (engine API restarted, or an engine that counts a
      // pause as "not running"): only an exited or vanished container ends the watch.
      for (let attempt = 0; !exit; ) {
        try {
          await docker.getContainer(ref.id).wait({ condition: 'not-running', abortSignal: closing.signal });
          attempt = 0;
        } catch (err) {
          if (closing.signal.aborted) return;
          if (statusOf(err) !== 404) await sleep(Math.min(500 * 2 ** attempt++, 5000));
        }
        if (closing.signal.aborted) return;
        const state = await inspect(ref).catch(() => null);
        if (state?.state === 'exited') exit = state.exit;
        else if (state?.state === 'missing') exit = { exitCode: null, signal: null, reason: 'container disappeared', requested: stopRequested.has(ref.id) };
        else if (state) await sleep(200); // still running or paused: wait again
      }
      await finishLogs(ref.id, ref.logDir, exit);
      onExit?.(exit);
    })().catch((err: unknown) => log?.error({ err, agentId: ref.agentId }, 'docker runtime: exit watcher failed'));
    watchers.set(ref.id, p);
    void p.finally(() => watchers.delete(ref.id));
  }

  async function start(spec: AgentStartSpec): Promise<InstanceRef> {
    const name = containerName(spec.agentId);
    await prepareDirs(spec);
    let image: string;
    if (spec.program.kind === 'node') {
      nodeImage ??= ensureNodeImage(docker).catch((err: unknown) => {
        nodeImage = null;
        throw err;
      });
      image = await nodeImage;
    } else {
      image = spec.program.image;
      await ensureImage(image);
    }
    const createOpts = containerOptions(spec, { name, image, uid: opts.uid, rlimits: await hostRlimits() });
    // The name is per agent, so the engine itself refuses a second copy; a leftover is replaced
    // (its last output kept first).
    const leftover = await docker.getContainer(name).inspect().catch(() => null);
    if (leftover) {
      const p = pump(leftover.Id, spec.logDir, true);
      if (leftover.State.Status !== 'running' && leftover.State.Status !== 'paused') await Promise.race([p.done, sleep(5000)]);
    }
    await removeByName(name);
    if (leftover) pumps.delete(leftover.Id);
    const container = await docker.createContainer(createOpts);
    try {
      await container.start();
    } catch (err) {
      await container.remove({ force: true }).catch(() => undefined);
      throw err;
    }
    await rm(join(spec.logDir, EXIT_RECORD), { force: true });
    const ref: InstanceRef = {
      driver: 'docker',
      agentId: spec.agentId,
      id: container.id,
      socketDir: spec.socketDir,
      logDir: spec.logDir,
      startedAt: new Date().toISOString(),
    };
    pump(container.id, spec.logDir, false);
    watch(ref, spec.onExit);
    log?.info({ agentId: spec.agentId, container: container.id.slice(0, 12), image }, 'docker runtime: started');
    return ref;
  }

  async function stop(ref: InstanceRef, stopOpts?: { graceMs?: number }): Promise<void> {
    const graceMs = stopOpts?.graceMs ?? 5000;
    const c = docker.getContainer(ref.id);
    stopRequested.add(ref.id);
    try {
      try {
        if ((await c.inspect()).State.Status === 'paused') await thaw(ref.id);
        await c.stop({ t: Math.max(0, Math.ceil(graceMs / 1000)) });
      } catch (err) {
        const st = statusOf(err);
        if (st === 404) return; // already gone: idempotent
        if (st !== 304) throw err; // 304: already stopped
      }
      // Let the watcher report the exit (requested) before the container is removed.
      const w = watchers.get(ref.id);
      if (w) await Promise.race([w, sleep(10_000)]);
      const state = await inspect(ref);
      const exit = state.state === 'exited' ? state.exit : { exitCode: null, signal: null, reason: 'stopped', requested: true };
      if (!w) await finishLogs(ref.id, ref.logDir, exit); // not watched by this process: copy what is left
      await writeFile(exitRecordPath(ref), JSON.stringify({ containerId: ref.id, exit }));
      await c.remove({ force: true }).catch((err: unknown) => {
        if (statusOf(err) !== 404) throw err;
      });
      pumps.delete(ref.id);
    } finally {
      stopRequested.delete(ref.id);
    }
  }

  /**
   * A live container's recent output comes from the engine (exact, no copy lag); following, and
   * anything after the container is gone, comes from the log files.
   */
  async function* logs(ref: InstanceRef, lopts: LogOptions = {}): AsyncIterable<LogLine> {
    if (!lopts.follow && (await isLive(ref))) {
      const tail = Math.min(Math.max(lopts.tail ?? 100, 0), 10_000);
      try {
        const buf = await docker.getContainer(ref.id).logs({ stdout: true, stderr: true, timestamps: true, tail, follow: false });
        const d = new LogDemuxer(true);
        const lines = [...d.push(buf), ...d.flush()].map((l) => ({ ts: l.ts ?? new Date().toISOString(), stream: l.stream, line: l.line }));
        yield* tail === 0 ? [] : lines.slice(-tail);
        return;
      } catch (err) {
        if (statusOf(err) !== 404) throw err; // removed meanwhile: the files have it
      }
    }
    yield* readLogs(ref.logDir, lopts);
  }

  async function isLive(ref: InstanceRef): Promise<boolean> {
    try {
      const st = (await docker.getContainer(ref.id).inspect()).State.Status;
      return st === 'running' || st === 'paused' || st === 'restarting';
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw err;
    }
  }

  async function stats(ref: InstanceRef): Promise<InstanceStats> {
    let s: Docker.ContainerStats;
    try {
      s = await docker.getContainer(ref.id).stats({ stream: false });
    } catch (err) {
      if (statusOf(err) === 404) return { memoryBytes: null, memoryLimitBytes: null, cpuSeconds: null, pids: null };
      throw err;
    }
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    const cpuNs = num(s.cpu_stats?.cpu_usage?.total_usage);
    return {
      memoryBytes: num(s.memory_stats?.usage),
      memoryLimitBytes: num(s.memory_stats?.limit),
      cpuSeconds: cpuNs === null ? null : cpuNs / 1e9,
      pids: num((s as { pids_stats?: { current?: number } }).pids_stats?.current),
    };
  }

  async function lifecycle(ref: InstanceRef, op: 'pause' | 'unpause'): Promise<void> {
    try {
      await docker.getContainer(ref.id)[op]();
    } catch (err) {
      const st = statusOf(err);
      if (st === 404) throw new NotFoundError(`Agent container ${ref.id.slice(0, 12)} is gone`, 'RUNTIME_INSTANCE_MISSING');
      if (st === 409 || st === 500) {
        // Already in the asked state is fine (idempotent); anything else is a state conflict.
        const state = await inspect(ref);
        if ((op === 'pause' && state.state === 'paused') || (op === 'unpause' && state.state === 'running')) return;
        throw new ConflictError(`Cannot ${op} agent container in state ${state.state}`, 'RUNTIME_STATE_CONFLICT');
      }
      throw err;
    }
  }

  async function available(): Promise<RuntimeAvailability> {
    if (target.kind === 'unix') {
      const isSocket = await stat(target.socketPath).then((st) => st.isSocket(), () => false);
      if (!isSocket) return { available: false, reason: `no Docker socket at ${target.socketPath} (set DOCKER_HOST)` };
    }
    try {
      await Promise.race([
        docker.ping(),
        sleep(3000).then(() => {
          throw new Error('timed out after 3 s');
        }),
      ]);
      return { available: true };
    } catch (err) {
      return { available: false, reason: `Docker API at ${describeTarget(target)} did not answer: ${(err as Error).message}` };
    }
  }

  return {
    name: 'docker',
    // Containers run as this uid (container-options.ts `User`).
    agentUid: opts.uid,
    docker,
    available,
    start,
    stop,
    pause: (ref) => lifecycle(ref, 'pause'),
    resume: (ref) => lifecycle(ref, 'unpause'),
    inspect,
    logs,
    stats,
    endpoint: (ref) => ({ kind: 'unix', socketPath: join(ref.socketDir, AGENT_SOCKET_NAME) }),
    close: () => closing.abort(),
  };
}
