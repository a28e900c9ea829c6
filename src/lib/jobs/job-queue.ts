// Durable jobs in the database: enqueue in the caller's transaction, claim with
// FOR UPDATE SKIP LOCKED so replicas never run one job twice at once, retry with backoff,
// and reclaim jobs whose worker died (visibility timeout). Works on PostgreSQL and PGlite.
import { randomUUID } from 'node:crypto';
import { and, eq, lt, sql } from 'drizzle-orm';
import { Cron } from 'croner';
import type { Db, DbOrTx } from '../db/database.js';
import { queryRows } from '../db/database.js';
import type { Logger } from '../logger.js';
import { jobs, jobSchedules } from './jobs.tables.js';

export interface EnqueueOptions {
  /** Enqueue inside this transaction: the job exists only if the transaction commits. */
  tx?: DbOrTx;
  runAt?: Date;
  delayMs?: number;
  maxAttempts?: number;
  /** A second enqueue with the same key on the same queue is ignored (returns null). */
  dedupeKey?: string;
}

export interface JobContext<T = unknown> {
  id: string;
  queue: string;
  payload: T;
  attempt: number;
  maxAttempts: number;
}

export interface WorkerOptions {
  concurrency?: number;
  /** Delay before retry number `attempt` (1-based). Default: exponential from 1 s, capped at 10 min. */
  backoffMs?: (attempt: number) => number;
  /** A running job not finished after this long is considered abandoned and runs again. */
  visibilityTimeoutMs?: number;
}

/** Throw from a handler to fail the job without further retries. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

export type JobHandler<T = unknown> = (job: JobContext<T>) => Promise<void>;

type Registered = {
  handler: JobHandler;
  concurrency: number;
  backoffMs: (attempt: number) => number;
  visibilityTimeoutMs: number;
  inFlight: number;
};

type ClaimedRow = {
  id: string;
  queue: string;
  payload: unknown;
  attempts: number;
  max_attempts: number;
};

export const defaultBackoffMs = (attempt: number) => Math.min(1000 * 2 ** (attempt - 1), 600_000);

export type ScheduleSpec = { cron: string; everyMs?: never } | { everyMs: number; cron?: never };

export function nextRunOf(spec: ScheduleSpec, from: Date): Date {
  if (spec.everyMs !== undefined) return new Date(from.getTime() + spec.everyMs);
  const next = new Cron(spec.cron, { paused: true }).nextRun(from);
  if (!next) throw new Error(`cron "${spec.cron}" has no next run`);
  return next;
}

export function createJobQueue(deps: { db: Db; logger: Logger; workerId?: string; pollMs?: number }) {
  const { db, logger } = deps;
  const workerId = deps.workerId ?? `w-${randomUUID().slice(0, 8)}`;
  const pollMs = deps.pollMs ?? 500;
  const handlers = new Map<string, Registered>();
  const running = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;
  let ticking: Promise<void> | undefined;

  async function enqueue<T>(queue: string, payload: T, opts: EnqueueOptions = {}): Promise<string | null> {
    const runAt = opts.runAt ?? new Date(Date.now() + (opts.delayMs ?? 0));
    const rows = await (opts.tx ?? db)
      .insert(jobs)
      .values({
        queue,
        payload: payload as unknown,
        runAt,
        maxAttempts: opts.maxAttempts ?? 5,
        dedupeKey: opts.dedupeKey ?? null,
      })
      .onConflictDoNothing()
      .returning({ id: jobs.id });
    if (!opts.tx) nudge();
    return rows[0]?.id ?? null;
  }

  function register<T>(queue: string, handler: JobHandler<T>, opts: WorkerOptions = {}): void {
    if (handlers.has(queue)) throw new Error(`a handler for queue "${queue}" is already registered`);
    handlers.set(queue, {
      handler: handler as JobHandler,
      concurrency: opts.concurrency ?? 2,
      backoffMs: opts.backoffMs ?? defaultBackoffMs,
      visibilityTimeoutMs: opts.visibilityTimeoutMs ?? 5 * 60_000,
      inFlight: 0,
    });
  }

  /** Declares (or updates) a recurring job; safe to call from every replica at start. */
  async function schedule(name: string, spec: ScheduleSpec, queue: string, payload: unknown = {}): Promise<void> {
    const nextRunAt = nextRunOf(spec, new Date());
    await db
      .insert(jobSchedules)
      .values({ name, queue, payload, cron: spec.cron ?? null, everyMs: spec.everyMs ?? null, nextRunAt })
      .onConflictDoUpdate({
        target: jobSchedules.name,
        set: {
          queue,
          payload,
          cron: spec.cron ?? null,
          everyMs: spec.everyMs ?? null,
          // Keep the pending run unless the cadence changed.
          nextRunAt: sql`case when ${jobSchedules.cron} is not distinct from ${spec.cron ?? null}
            and ${jobSchedules.everyMs} is not distinct from ${spec.everyMs ?? null}
            then ${jobSchedules.nextRunAt} else ${nextRunAt.toISOString()}::timestamptz end`,
          updatedAt: new Date(),
        },
      });
  }

  async function fireDueSchedules(): Promise<number> {
    return db.transaction(async (tx) => {
      const due = await queryRows<{ name: string; queue: string; payload: unknown; cron: string | null; every_ms: number | null; next_run_at: string | Date }>(
        tx,
        sql`select name, queue, payload, cron, every_ms, next_run_at from job_schedules
            where enabled and next_run_at <= now() for update skip locked`,
      );
      for (const s of due) {
        const dueAt = new Date(s.next_run_at);
        const spec: ScheduleSpec = s.cron ? { cron: s.cron } : { everyMs: s.every_ms ?? 60_000 };
        // Missed runs (process was down) collapse into one run now.
        let next = nextRunOf(spec, dueAt);
        if (next.getTime() <= Date.now()) next = nextRunOf(spec, new Date());
        await tx
          .update(jobSchedules)
          .set({ nextRunAt: next, lastRunAt: new Date(), updatedAt: new Date() })
          .where(eq(jobSchedules.name, s.name));
        await enqueue(s.queue, s.payload, { tx, dedupeKey: `schedule:${s.name}:${dueAt.toISOString()}` });
      }
      return due.length;
    });
  }

  async function claim(queue: string, reg: Registered, limit: number): Promise<ClaimedRow[]> {
    return queryRows<ClaimedRow>(
      db,
      sql`update jobs set status = 'running', locked_at = now(), locked_by = ${workerId},
            attempts = attempts + 1, updated_at = now()
          where id in (
            select id from jobs
            where queue = ${queue}
              and ((status = 'queued' and run_at <= now())
                or (status = 'running' and locked_at < now() - make_interval(secs => ${reg.visibilityTimeoutMs / 1000})))
            order by run_at
            limit ${limit}
            for update skip locked)
          returning id, queue, payload, attempts, max_attempts`,
    );
  }

  async function runJob(row: ClaimedRow, reg: Registered): Promise<void> {
    const ctx: JobContext = {
      id: row.id,
      queue: row.queue,
      payload: row.payload,
      attempt: row.attempts,
      maxAttempts: row.max_attempts,
    };
    try {
      await reg.handler(ctx);
      await db
        .update(jobs)
        .set({ status: 'completed', finishedAt: new Date(), updatedAt: new Date(), lockedAt: null, lastError: null })
        .where(and(eq(jobs.id, row.id), eq(jobs.lockedBy, workerId)));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const permanent = err instanceof PermanentJobError;
      const exhausted = permanent || row.attempts >= row.max_attempts;
      logger.warn({ jobId: row.id, queue: row.queue, attempt: row.attempts, err: message, exhausted }, 'job failed');
      await db
        .update(jobs)
        .set(
          exhausted
            ? { status: 'failed', lastError: message.slice(0, 4000), finishedAt: new Date(), updatedAt: new Date(), lockedAt: null }
            : {
                status: 'queued',
                lastError: message.slice(0, 4000),
                runAt: new Date(Date.now() + reg.backoffMs(row.attempts)),
                updatedAt: new Date(),
                lockedAt: null,
              },
        )
        .where(and(eq(jobs.id, row.id), eq(jobs.lockedBy, workerId)));
    }
  }

  /** One polling pass: fire due schedules, claim and start jobs. Returns the number started. */
  async function tick(): Promise<number> {
    let started = 0;
    await fireDueSchedules();
    for (const [queue, reg] of handlers) {
      const free = reg.concurrency - reg.inFlight;
      if (free <= 0) continue;
      const rows = await claim(queue, reg, free);
      for (const row of rows) {
        reg.inFlight++;
        started++;
        const p = runJob(row, reg)
          .catch((err) => logger.error({ err, jobId: row.id }, 'job bookkeeping failed'))
          .finally(() => {
            reg.inFlight--;
            running.delete(p);
            nudge();
          });
        running.add(p);
      }
    }
    return started;
  }

  function nudge(): void {
    if (stopped || ticking) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(loop, 0);
  }

  async function loop(): Promise<void> {
    timer = undefined;
    if (stopped) return;
    ticking = tick()
      .then(() => undefined)
      .catch((err) => logger.error({ err }, 'job queue poll failed'));
    await ticking;
    ticking = undefined;
    if (!stopped) timer = setTimeout(loop, pollMs);
  }

  /** Processes until nothing is runnable now (tests and CLI one-shots). */
  async function drain(): Promise<void> {
    for (;;) {
      const started = await tick();
      if (running.size > 0) await Promise.race(running);
      else if (started === 0) return;
    }
  }

  function start(): { stop: () => Promise<void> } {
    stopped = false;
    nudge();
    return { stop };
  }

  async function stop(): Promise<void> {
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = undefined;
    await ticking;
    await Promise.allSettled([...running]);
  }

  async function purgeFinished(olderThan: Date): Promise<number> {
    const rows = await db
      .delete(jobs)
      .where(and(sql`${jobs.status} in ('completed', 'failed')`, lt(jobs.finishedAt, olderThan)))
      .returning({ id: jobs.id });
    return rows.length;
  }

  return { enqueue, register, schedule, start, stop, drain, tick, purgeFinished, workerId };
}

export type JobQueue = ReturnType<typeof createJobQueue>;
