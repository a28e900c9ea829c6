// Starting, stopping, pausing agents: turns an agent row into a runtime start spec (secrets
// resolved only here), serves Pilox's side of its pilox.sock, waits for readiness, and records
// and publishes every status transition. One agent's operations are serialized by a Kv lock so
// two replicas or a double click never start it twice.
import { mkdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { Clock } from '../../lib/clock.js';
import { AppError, ConflictError, ServiceUnavailableError } from '../../lib/errors.js';
import { CHANNELS, type EventBus } from '../../lib/events/event-bus.js';
import { withLock, type Kv } from '../../lib/kv/index.js';
import type { Logger } from '../../lib/logger.js';
import type { AgentHostHandler, AgentHostIdentity, ManagedRunner } from '../../runtime/agent-host.js';
import { serveHostSocket, type HostSocket } from '../../runtime/host-socket.js';
import type { Runtimes } from '../../runtime/index.js';
import { waitForCard } from '../../runtime/probe.js';
import type { AgentProgram, AgentRuntime, InstanceRef, RuntimeDriverName, RuntimeExit } from '../../runtime/runtime.js';
import type { AgentsRepo } from './agents.repo.js';
import type { AgentRow } from './agents.tables.js';

export type AgentStatus = AgentRow['status'];

/** `host/pid/startMs` of this Pilox process: another value whose process is gone means "left behind". */
export const THIS_HOST = `${hostname()}/${process.pid}/${Math.round(Date.now() - process.uptime() * 1000)}`;

export interface AgentPaths {
  base: string;
  packageDir: string;
  workDir: string;
  logDir: string;
  socketDir: string;
}

export function agentPaths(dataDir: string, id: string): AgentPaths {
  const base = join(dataDir, 'agents', id);
  return {
    base,
    packageDir: join(base, 'package'),
    workDir: join(base, 'work'),
    logDir: join(base, 'logs'),
    // Short on purpose: unix socket paths are limited to 107 bytes.
    socketDir: join(dataDir, 'sock', id.replace(/-/g, '')),
  };
}

export interface LifecycleDeps {
  repo: AgentsRepo;
  runtimes: Runtimes;
  /** Resolved lazily: the default depends on what the machine supports. */
  defaultDriver: () => Promise<RuntimeDriverName>;
  secrets: { resolveForAgent(ownerId: string, agentId: string, names: readonly string[]): Promise<Record<string, string>> };
  events: Pick<EventBus, 'publish'>;
  kv: Kv;
  clock: Clock;
  logger: Logger;
  dataDir: string;
  managedRunner?: ManagedRunner;
  hostHandler: AgentHostHandler;
  /** How long start waits for the card before leaving the agent `starting` for the supervisor. */
  readyTimeoutMs?: number;
}

export function createAgentLifecycle(deps: LifecycleDeps) {
  const { repo, clock, logger } = deps;
  const hostSockets = new Map<string, HostSocket>();
  const readyTimeoutMs = deps.readyTimeoutMs ?? 20_000;

  async function driverOf(row: AgentRow): Promise<AgentRuntime> {
    const name = row.runtime ?? (await deps.defaultDriver());
    const driver = deps.runtimes[name];
    if (!driver) throw new ServiceUnavailableError(`The ${name} runtime is not configured on this instance`, 'RUNTIME_UNAVAILABLE');
    return driver;
  }

  function driverForRef(ref: InstanceRef): AgentRuntime | undefined {
    return deps.runtimes[ref.driver];
  }

  async function transition(row: AgentRow, status: AgentStatus, patch: Parameters<AgentsRepo['update']>[1] = {}): Promise<AgentRow> {
    const updated = (await repo.update(row.id, { ...patch, status, updatedAt: clock.now() })) ?? row;
    if (row.status !== status) {
      await deps.events
        .publish(CHANNELS.agentStatus, 'agent.status', {
          agentId: row.id,
          slug: row.slug,
          ownerId: row.ownerId,
          status,
          previous: row.status,
          exitCode: updated.lastExitCode,
          reason: updated.lastExitReason,
        })
        .catch((err) => logger.warn({ err, agentId: row.id }, 'could not publish an agent status event'));
    }
    return updated;
  }

  function identity(row: AgentRow): AgentHostIdentity {
    return { id: row.id, slug: row.slug, ownerId: row.ownerId, kind: row.kind, managed: row.managed ?? null };
  }

  function program(row: AgentRow, paths: AgentPaths): AgentProgram {
    switch (row.kind) {
      case 'package':
        if (!row.packageSha256 || !row.packageEntry) throw new ConflictError('Upload a package before starting this agent', 'PACKAGE_MISSING');
        return { kind: 'node', entry: join(paths.packageDir, row.packageEntry), readOnlyPaths: [paths.packageDir] };
      case 'managed':
        if (!deps.managedRunner) {
          throw new AppError(503, 'MANAGED_RUNNER_UNAVAILABLE', 'This instance has no managed-agent runner; managed agents cannot start');
        }
        return { kind: 'node', entry: deps.managedRunner.entry, readOnlyPaths: [dirname(deps.managedRunner.entry)] };
      case 'image':
        return { kind: 'image', image: row.image ?? '' };
      case 'remote':
        throw new ConflictError('Remote agents run elsewhere; they are only proxied', 'AGENT_NOT_RUNNABLE');
    }
  }

  async function closeHostSocket(agentId: string) {
    const s = hostSockets.get(agentId);
    hostSockets.delete(agentId);
    await s?.close().catch(() => {});
  }

  /** Records an exit the runtime reported, unless a newer instance replaced the one that died. */
  async function recordExit(agentId: string, ref: InstanceRef, exit: RuntimeExit) {
    const row = await repo.findById(agentId);
    if (!row || row.instance?.id !== ref.id || row.instance.startedAt !== ref.startedAt) return;
    await closeHostSocket(agentId);
    // A clean exit is "stopped" (the `always` policy still restarts it); a crash is "error".
    const status: AgentStatus = exit.requested || exit.exitCode === 0 ? 'stopped' : 'error';
    await transition(row, status, { instance: null, instanceHost: null, lastExitCode: exit.exitCode, lastExitReason: exit.reason, stoppedAt: clock.now() });
  }

  /** Starts without taking the lock (callers hold it). */
  async function startLocked(row: AgentRow, opts: { restart?: boolean } = {}): Promise<AgentRow> {
    const driver = await driverOf(row);
    const avail = await driver.available();
    if (!avail.available) throw new ServiceUnavailableError(`The ${driver.name} runtime is unavailable: ${avail.reason}`, 'RUNTIME_UNAVAILABLE');
    const paths = agentPaths(deps.dataDir, row.id);
    const prog = program(row, paths);
    const secretValues = row.secretRefs.length > 0 ? await deps.secrets.resolveForAgent(row.ownerId, row.id, row.secretRefs) : {};
    const env: Record<string, string> = { ...row.env, ...secretValues };
    if (row.kind === 'managed') {
      env.PILOX_AGENT_CONFIG = JSON.stringify({ id: row.id, slug: row.slug, name: row.name, description: row.description, managed: row.managed });
    }
    for (const d of [paths.workDir, paths.logDir]) mkdirSync(d, { recursive: true, mode: 0o700 });
    // A stale socket from a previous instance would make readiness answer "connection refused" forever.
    rmSync(paths.socketDir, { recursive: true, force: true });
    mkdirSync(paths.socketDir, { recursive: true, mode: 0o700 });
    await closeHostSocket(row.id);
    const host = await serveHostSocket({
      socketDir: paths.socketDir,
      identity: identity(row),
      handler: deps.hostHandler,
      uid: driver.agentUid,
      onError: (err) => logger.error({ err, agentId: row.id }, 'agent host handler failed'),
    });
    hostSockets.set(row.id, host);
    let ref: InstanceRef;
    try {
      ref = await driver.start({
        agentId: row.id,
        slug: row.slug,
        program: prog,
        env,
        limits: row.limits,
        workDir: paths.workDir,
        socketDir: paths.socketDir,
        logDir: paths.logDir,
        onExit: (exit) => void recordExit(row.id, ref, exit).catch((err) => logger.error({ err, agentId: row.id }, 'recording an agent exit failed')),
      });
    } catch (err) {
      await closeHostSocket(row.id);
      await transition(row, 'error', { lastExitCode: null, lastExitReason: `start failed: ${(err as Error).message}`.slice(0, 500), instance: null, instanceHost: null });
      if (err instanceof AppError) throw err;
      throw new ServiceUnavailableError('The agent could not be started', 'AGENT_START_FAILED');
    }
    let current = await transition(row, 'starting', {
      instance: ref,
      instanceHost: THIS_HOST,
      desiredState: 'running',
      startedAt: clock.now(),
      lastExitCode: null,
      lastExitReason: null,
      restartCount: opts.restart ? row.restartCount + 1 : 0,
    });
    const socketPath = (driver.endpoint(ref) as { socketPath: string }).socketPath;
    const ready = await waitForCard(socketPath, {
      timeoutMs: readyTimeoutMs,
      isAlive: async () => ['running', 'paused'].includes((await driver.inspect(ref)).state),
    });
    if (!ready) {
      // Died before answering: record it now rather than at the supervisor's next pass.
      const state = await driver.inspect(ref);
      if (state.state === 'exited') await recordExit(row.id, ref, state.exit);
    }
    const fresh = await repo.findById(row.id);
    if (ready && fresh?.instance?.id === ref.id && fresh.status === 'starting') current = await transition(fresh, 'ready');
    else if (fresh) current = fresh;
    return current;
  }

  async function stopLocked(row: AgentRow, desired: AgentRow['desiredState'] = 'stopped'): Promise<AgentRow> {
    if (row.instance) {
      const driver = driverForRef(row.instance);
      await driver?.stop(row.instance).catch((err) => logger.warn({ err, agentId: row.id }, 'stopping the agent instance failed'));
    }
    await closeHostSocket(row.id);
    const fresh = (await repo.findById(row.id)) ?? row;
    // A stop of a crashed agent is "stopped" too: the crash stays visible in lastExit*.
    return transition(fresh, 'stopped', { instance: null, instanceHost: null, desiredState: desired, stoppedAt: fresh.instance ? clock.now() : fresh.stoppedAt });
  }

  const locked = <T>(id: string, fn: () => Promise<T>) => withLock(deps.kv, `agents:lifecycle:${id}`, fn, { ttlMs: 30_000, waitMs: 60_000 });

  async function reload(id: string): Promise<AgentRow> {
    const row = await repo.findById(id);
    if (!row) throw new ConflictError('The agent was deleted', 'AGENT_DELETED');
    return row;
  }

  return {
    driverOf,
    driverForRef,
    locked,
    startLocked,
    stopLocked,
    closeHostSocket,
    recordExit,
    transition,
    hostSockets,

    async start(id: string): Promise<AgentRow> {
      return locked(id, async () => {
        const row = await reload(id);
        if (row.instance && ['starting', 'ready', 'paused'].includes(row.status)) {
          const state = await driverForRef(row.instance)?.inspect(row.instance);
          if (state && (state.state === 'running' || state.state === 'paused')) return row;
        }
        return startLocked(row);
      });
    },

    async stop(id: string): Promise<AgentRow> {
      return locked(id, async () => stopLocked(await reload(id)));
    },

    async restart(id: string): Promise<AgentRow> {
      return locked(id, async () => {
        await stopLocked(await reload(id), 'running');
        return startLocked(await reload(id));
      });
    },

    async pause(id: string): Promise<AgentRow> {
      return locked(id, async () => {
        const row = await reload(id);
        if (row.status === 'paused') return row;
        if (!row.instance || row.status !== 'ready') throw new ConflictError('Only a ready agent can be paused', 'AGENT_NOT_RUNNING');
        await driverForRef(row.instance)!.pause(row.instance);
        return transition(row, 'paused', { desiredState: 'paused' });
      });
    },

    async resume(id: string): Promise<AgentRow> {
      return locked(id, async () => {
        const row = await reload(id);
        if (row.status !== 'paused' || !row.instance) throw new ConflictError('The agent is not paused', 'AGENT_NOT_PAUSED');
        await driverForRef(row.instance)!.resume(row.instance);
        return transition(row, 'ready', { desiredState: 'running' });
      });
    },

    /**
     * Pilox shutting down: stops what this process started (its pipes and pilox.sock die with
     * it anyway) but keeps desiredState, so the next start brings the agents back.
     */
    async closeAll(): Promise<void> {
      for (const id of [...hostSockets.keys()]) {
        await locked(id, async () => {
          const row = await repo.findById(id);
          if (row && row.instanceHost === THIS_HOST) await stopLocked(row, row.desiredState);
          else await closeHostSocket(id);
        }).catch((err) => logger.warn({ err, agentId: id }, 'stopping an agent at shutdown failed'));
      }
    },
  };
}

export type AgentLifecycle = ReturnType<typeof createAgentLifecycle>;
