// The watchdog: reconciles agent rows with the runtimes at start and every few seconds. Crashed
// agents follow their restart policy with exponential backoff; agents a killed Pilox left
// running are stopped and started again under this process (their pipes and pilox.sock died
// with the old one, so adopting them as-is would leave them deaf), never duplicated. One
// replica supervises at a time (Kv lock).
import { hostname } from 'node:os';
import type { Kv } from '../../lib/kv/index.js';
import type { Logger } from '../../lib/logger.js';
import { pidAlive } from '../../runtime/proc.js';
import { probeCard } from '../../runtime/probe.js';
import type { AgentLifecycle } from './agents.lifecycle.js';
import { THIS_HOST } from './agents.lifecycle.js';
import type { AgentsRepo } from './agents.repo.js';
import type { AgentRow } from './agents.tables.js';

export const SUPERVISOR_LOCK = 'agents:supervisor';
const BACKOFF_BASE_MS = 1000;
const BACKOFF_MAX_MS = 60_000;

export function backoffMs(restartCount: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(restartCount, 16));
}

/** Whether the Pilox process that started an instance is gone (only decidable on this host). */
export function hostGone(instanceHost: string | null): boolean {
  if (!instanceHost || instanceHost === THIS_HOST) return false;
  const [host, pid] = instanceHost.split('/');
  if (host !== hostname()) return false;
  // Same host, other process: gone unless that pid is alive (its start time differs when reused,
  // but THIS_HOST differs too, so a live pid with another start time is still "gone").
  return !pidAlive(Number(pid)) || Number(pid) === process.pid;
}

export function startSupervisor(deps: { repo: AgentsRepo; lifecycle: AgentLifecycle; kv: Kv; logger: Logger; intervalMs?: number }): { stop(): Promise<void> } {
  const { repo, lifecycle, logger } = deps;
  const intervalMs = deps.intervalMs ?? 3000;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  function wantsRestart(row: AgentRow): boolean {
    if (row.desiredState === 'stopped') return false;
    if (row.restartPolicy === 'never') return false;
    if (row.restartPolicy === 'always') return true;
    return row.lastExitCode !== 0;
  }

  async function reconcile(row: AgentRow): Promise<void> {
    await lifecycle.locked(row.id, async () => {
      const fresh = await repo.findById(row.id);
      if (!fresh || fresh.kind === 'remote') return;
      if (fresh.instance) {
        const driver = lifecycle.driverForRef(fresh.instance);
        if (hostGone(fresh.instanceHost)) {
          logger.warn({ agentId: fresh.id, previous: fresh.instanceHost }, 'agent left by a stopped Pilox: restarting it cleanly');
          const stoppedRow = await lifecycle.stopLocked(fresh, fresh.desiredState);
          if (fresh.desiredState !== 'stopped') await lifecycle.startLocked(stoppedRow);
          return;
        }
        if (fresh.instanceHost !== THIS_HOST) return; // another live replica's instance
        const state = driver ? await driver.inspect(fresh.instance) : { state: 'missing' as const };
        if (state.state === 'exited') {
          await lifecycle.recordExit(fresh.id, fresh.instance, state.exit);
          return;
        }
        if (state.state === 'missing') {
          await lifecycle.recordExit(fresh.id, fresh.instance, { exitCode: null, signal: null, reason: 'instance disappeared', requested: false });
          return;
        }
        if (fresh.status === 'starting' && driver) {
          const ep = driver.endpoint(fresh.instance);
          if (ep.kind === 'unix' && (await probeCard(ep.socketPath))) await lifecycle.transition(fresh, 'ready');
        }
        return;
      }
      // No instance: converge towards what the operator asked for.
      if (fresh.desiredState === 'stopped') return;
      if (fresh.status === 'error' && !wantsRestart(fresh)) return;
      if (fresh.status === 'stopped' && fresh.lastExitCode === 0 && fresh.restartPolicy !== 'always' && fresh.desiredState === 'running') return;
      const since = fresh.stoppedAt ? Date.now() - fresh.stoppedAt.getTime() : Infinity;
      if (since < backoffMs(fresh.restartCount)) return;
      logger.info({ agentId: fresh.id, restartCount: fresh.restartCount + 1 }, 'restarting agent');
      await lifecycle.startLocked(fresh, { restart: true });
    });
  }

  async function tick(): Promise<void> {
    const lock = await deps.kv.tryLock(SUPERVISOR_LOCK, Math.max(intervalMs * 3, 10_000));
    if (!lock) return;
    try {
      for (const row of await repo.listSupervised()) {
        if (stopped) return;
        await reconcile(row).catch((err) => logger.error({ err, agentId: row.id }, 'agent reconcile failed'));
      }
    } finally {
      await lock.release();
    }
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick()
        .catch((err) => logger.error({ err }, 'agent supervisor pass failed'))
        .finally(schedule);
    }, intervalMs);
    timer.unref();
  }

  running = tick().catch((err) => logger.error({ err }, 'agent supervisor pass failed')).finally(schedule);

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
