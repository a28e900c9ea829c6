// Runs on the run's database: PostgreSQL in the real-server pass, PGlite in the embedded pass.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createTestDatabase } from '../../../test/helpers/stores.js';
import type { Database } from '../db/database.js';
import { createLogger } from '../logger.js';
import { createJobQueue, nextRunOf, PermanentJobError } from './job-queue.js';
import { jobs, jobSchedules } from './jobs.tables.js';

const logger = createLogger({ level: 'silent' });
let database: Database;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

const queueName = () => `q-${Math.random().toString(36).slice(2, 8)}`;

describe('job queue', () => {
  it('runs an enqueued job once and marks it completed', async () => {
    const q = createJobQueue({ db: database.db, logger });
    const name = queueName();
    const seen: unknown[] = [];
    q.register(name, async (job) => {
      seen.push(job.payload);
    });
    const id = await q.enqueue(name, { hello: 'world' });
    await q.drain();
    expect(seen).toEqual([{ hello: 'world' }]);
    const [row] = await database.db.select().from(jobs).where(eq(jobs.id, id!));
    expect(row!.status).toBe('completed');
    expect(row!.attempts).toBe(1);
  });

  it('enqueues inside a transaction: nothing exists if it rolls back', async () => {
    const q = createJobQueue({ db: database.db, logger });
    const name = queueName();
    await database.db
      .transaction(async (tx) => {
        await q.enqueue(name, { n: 1 }, { tx });
        throw new Error('rollback');
      })
      .catch(() => {});
    const committed = await database.db.transaction(async (tx) => q.enqueue(name, { n: 2 }, { tx }));
    const rows = await database.db.select().from(jobs).where(eq(jobs.queue, name));
    expect(rows.map((r) => r.payload)).toEqual([{ n: 2 }]);
    expect(rows[0]!.id).toBe(committed);
  });

  it('ignores a second enqueue with the same dedupe key', async () => {
    const q = createJobQueue({ db: database.db, logger });
    const name = queueName();
    expect(await q.enqueue(name, {}, { dedupeKey: 'k1' })).not.toBeNull();
    expect(await q.enqueue(name, {}, { dedupeKey: 'k1' })).toBeNull();
    expect(await q.enqueue(queueName(), {}, { dedupeKey: 'k1' })).not.toBeNull();
  });

  it('retries with backoff, then fails for good after maxAttempts', async () => {
    const q = createJobQueue({ db: database.db, logger });
    const name = queueName();
    let calls = 0;
    q.register(name, async () => {
      calls++;
      throw new Error(`boom ${calls}`);
    }, { backoffMs: () => 0 });
    const id = await q.enqueue(name, {}, { maxAttempts: 3 });
    for (let i = 0; i < 5; i++) await q.drain();
    expect(calls).toBe(3);
    const [row] = await database.db.select().from(jobs).where(eq(jobs.id, id!));
    expect(row!.status).toBe('failed');
    expect(row!.lastError).toBe('boom 3');
  });

  it('schedules the retry after the backoff delay', async () => {
    const q = createJobQueue({ db: database.db, logger });
    const name = queueName();
    q.register(name, async () => {
      throw new Error('later');
    }, { backoffMs: () => 60_000 });
    const id = await q.enqueue(name, {});
    await q.drain();
    const [row] = await database.db.select().from(jobs).where(eq(jobs.id, id!));
    expect(row!.status).toBe('queued');
    expect(row!.runAt.getTime()).toBeGreaterThan(Date.now() + 50_000);
  });

  it('does not retry a PermanentJobError', async () => {
    const q = createJobQueue({ db: database.db, logger });
    const name = queueName();
    let calls = 0;
    q.register(name, async () => {
      calls++;
      throw new PermanentJobError('bad payload');
    });
    await q.enqueue(name, {});
    await q.drain();
    await q.drain();
    expect(calls).toBe(1);
  });

  it('never runs one job on two workers, and every job runs', async () => {
    const name = queueName();
    const runs = new Map<number, number>();
    const workers = [1, 2, 3].map((i) => {
      const q = createJobQueue({ db: database.db, logger, workerId: `w${i}` });
      q.register<{ n: number }>(name, async (job) => {
        runs.set(job.payload.n, (runs.get(job.payload.n) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 2));
      }, { concurrency: 3 });
      return q;
    });
    for (let n = 0; n < 30; n++) await workers[0]!.enqueue(name, { n });
    await Promise.all(workers.map((w) => w.drain()));
    expect(runs.size).toBe(30);
    expect([...runs.values()].every((c) => c === 1)).toBe(true);
  });

  it('reclaims a job whose worker died (survives a restart)', async () => {
    const name = queueName();
    const dead = createJobQueue({ db: database.db, logger, workerId: 'dead' });
    const id = await dead.enqueue(name, { x: 1 });
    // Simulate a worker that claimed the job and then died two hours ago.
    await database.db
      .update(jobs)
      .set({ status: 'running', lockedBy: 'dead', attempts: 1, lockedAt: new Date(Date.now() - 2 * 3600_000) })
      .where(eq(jobs.id, id!));
    const fresh = createJobQueue({ db: database.db, logger, workerId: 'fresh' });
    let ran = 0;
    fresh.register(name, async () => {
      ran++;
    }, { visibilityTimeoutMs: 60_000 });
    await fresh.drain();
    expect(ran).toBe(1);
    const [row] = await database.db.select().from(jobs).where(eq(jobs.id, id!));
    expect(row!.status).toBe('completed');
    expect(row!.attempts).toBe(2);
  });

  it('fires due schedules once across replicas and computes the next run', async () => {
    const name = queueName();
    const schedName = `sched-${name}`;
    const a = createJobQueue({ db: database.db, logger, workerId: 'a' });
    const b = createJobQueue({ db: database.db, logger, workerId: 'b' });
    let ran = 0;
    a.register(name, async () => {
      ran++;
    });
    await a.schedule(schedName, { everyMs: 3_600_000 }, name, { tick: true });
    await b.schedule(schedName, { everyMs: 3_600_000 }, name, { tick: true });
    await database.db.update(jobSchedules).set({ nextRunAt: new Date(Date.now() - 1000) }).where(eq(jobSchedules.name, schedName));
    await Promise.all([a.tick(), b.tick()]);
    await a.drain();
    expect(ran).toBe(1);
    const [s] = await database.db.select().from(jobSchedules).where(eq(jobSchedules.name, schedName));
    expect(s!.nextRunAt.getTime()).toBeGreaterThan(Date.now() + 3_500_000);
  });

  it('runs in the background once started and stops cleanly', async () => {
    const q = createJobQueue({ db: database.db, logger, pollMs: 20 });
    const name = queueName();
    let done = 0;
    q.register(name, async () => {
      done++;
    });
    const handle = q.start();
    await q.enqueue(name, {});
    await expect.poll(() => done, { timeout: 5_000 }).toBe(1);
    await handle.stop();
  });

  it('purges finished jobs older than a cutoff', async () => {
    const q = createJobQueue({ db: database.db, logger });
    const name = queueName();
    q.register(name, async () => {});
    await q.enqueue(name, {});
    await q.drain();
    await database.db.update(jobs).set({ finishedAt: sql`now() - interval '10 days'` }).where(eq(jobs.queue, name));
    expect(await q.purgeFinished(new Date(Date.now() - 86_400_000))).toBeGreaterThanOrEqual(1);
  });
});

describe('nextRunOf', () => {
  it('supports cron expressions and fixed intervals', () => {
    const from = new Date('2026-01-01T00:00:10Z');
    expect(nextRunOf({ cron: '*/5 * * * *' }, from).toISOString()).toBe('2026-01-01T00:05:00.000Z');
    expect(nextRunOf({ everyMs: 1000 }, from).toISOString()).toBe('2026-01-01T00:00:11.000Z');
  });
});
