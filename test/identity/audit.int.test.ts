import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_RETENTION_QUEUE } from '../../src/modules/audit/audit-retention.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser, type TestUser } from '../helpers/identity.js';

describe('audit log', () => {
  let t: TestApp;
  let admin: TestUser;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await createTestUser(t, 'admin');
  });
  afterAll(async () => {
    await t?.close();
  });

  const exec = (q: ReturnType<typeof sql>) => t.database.db.execute(q);

  it('keeps one unbroken chain under concurrent writers on two replicas', async () => {
    const replica = await createTestApp({ database: t.database, kv: t.kv });
    try {
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (i % 2 ? replica : t).container.audit.record({ action: 'test.concurrent', actor: null, metadata: { i, nested: { b: [1, 'x'], a: null } } }),
        ),
      );
    } finally {
      await replica.close();
    }
    const result = await t.container.audit.verify();
    expect(result.ok).toBe(true);
    expect(result.checked).toBeGreaterThanOrEqual(40);
  });

  it('records the acting user, target, outcome and client IP of API actions', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: { ...admin.headers, 'x-forwarded-for': '198.51.100.23' },
      payload: { name: 'audited' },
    });
    const row = (await t.container.audit.list({ action: 'token.create' }, 1)).items[0]!;
    expect(row).toMatchObject({
      actorType: 'user',
      actorId: admin.user.id,
      actorEmail: admin.email,
      targetType: 'api_token',
      targetId: res.json().id,
      outcome: 'success',
      ip: '198.51.100.23',
    });
    expect(JSON.stringify(row)).not.toContain(res.json().token);
  });

  it('serves GET /api/audit-logs to admins only, with filters and cursor pagination', async () => {
    const viewer = await createTestUser(t, 'viewer');
    const denied = await t.app.inject({ method: 'GET', url: '/api/audit-logs', headers: viewer.headers });
    expect(denied.statusCode).toBe(403);

    const first = await t.app.inject({ method: 'GET', url: '/api/audit-logs?action=test.*&limit=15', headers: admin.headers });
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1.items).toHaveLength(15);
    expect(page1.items.every((r: { action: string }) => r.action === 'test.concurrent')).toBe(true);
    const second = await t.app.inject({ method: 'GET', url: `/api/audit-logs?action=test.*&limit=15&cursor=${page1.nextCursor}`, headers: admin.headers });
    const ids = [...page1.items, ...second.json().items].map((r: { id: number }) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));

    const byActor = await t.app.inject({ method: 'GET', url: `/api/audit-logs?actorId=${admin.user.id}&outcome=success`, headers: admin.headers });
    expect(byActor.json().items.length).toBeGreaterThan(0);
    const future = await t.app.inject({ method: 'GET', url: `/api/audit-logs?from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`, headers: admin.headers });
    expect(future.json()).toEqual({ items: [], nextCursor: null });
    const bad = await t.app.inject({ method: 'GET', url: '/api/audit-logs?limit=5000', headers: admin.headers });
    expect(bad.statusCode).toBe(400);
  });

  it('names the first altered row', async () => {
    const rows = (await t.container.audit.list({ action: 'test.concurrent' }, 50)).items;
    const victim = rows[10]!;
    await exec(sql`update audit_logs set metadata = '{"i": -1}'::jsonb where id = ${victim.id}`);
    const result = await t.container.audit.verify();
    expect(result.ok).toBe(false);
    expect(result.broken).toEqual({ id: victim.id, reason: expect.stringContaining('altered') });
    // Restore so later tests start from a valid chain.
    await exec(sql`update audit_logs set metadata = ${JSON.stringify(victim.metadata)}::jsonb where id = ${victim.id}`);
    expect((await t.container.audit.verify()).ok).toBe(true);
  });

  it('names the row after a deleted one', async () => {
    const rows = (await t.container.audit.list({ action: 'test.concurrent' }, 50)).items;
    const victim = rows[20]!;
    await exec(sql`delete from audit_logs where id = ${victim.id}`);
    const result = await t.container.audit.verify();
    expect(result.ok).toBe(false);
    const next = (await t.container.audit.list({ action: 'test.concurrent' }, 50)).items.filter((r) => r.id > victim.id).at(-1)!;
    expect(result.broken?.id).toBe(next.id);
    expect(result.broken?.reason).toMatch(/prev_hash/);
  });
});

describe('audit retention', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { AUDIT_RETENTION_DAYS: '30' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('purges old rows in the scheduled job, records the purge, and the rest still verifies', async () => {
    const old = await createTestApp({ database: t.database, kv: t.kv, clock: { now: () => new Date(Date.now() - 40 * 86_400_000) } });
    try {
      for (let i = 0; i < 5; i++) await old.container.audit.record({ action: 'test.old', actor: null, metadata: { i } });
    } finally {
      await old.close();
    }
    for (let i = 0; i < 3; i++) await t.container.audit.record({ action: 'test.recent', actor: null, metadata: { i } });

    await t.container.jobs.enqueue(AUDIT_RETENTION_QUEUE, {});
    await t.container.jobs.drain();

    expect((await t.container.audit.list({ action: 'test.old' }, 10)).items).toHaveLength(0);
    expect((await t.container.audit.list({ action: 'test.recent' }, 10)).items).toHaveLength(3);
    const purge = (await t.container.audit.list({ action: 'audit.purge' }, 1)).items[0]!;
    expect(purge).toMatchObject({ actorType: 'system', metadata: { deleted: 5 } });
    const result = await t.container.audit.verify();
    expect(result).toMatchObject({ ok: true, checked: 4, firstId: purge.metadata.firstKeptId });
  });

  it('detects rows removed from the start without a recorded purge', async () => {
    const first = (await t.container.audit.verify()).firstId!;
    await t.database.db.execute(sql`delete from audit_logs where id = ${first}`);
    const result = await t.container.audit.verify();
    expect(result.ok).toBe(false);
    expect(result.broken?.reason).toMatch(/without a recorded purge/);
  });

  it('declares the daily schedule when daemons start', async () => {
    const t2 = await createTestApp({ database: t.database, kv: t.kv, startDaemons: true });
    try {
      await expect
        .poll(async () => (await t2.database.db.execute(sql`select name from job_schedules where name = 'audit-retention'`)) as unknown as { rows: unknown[] })
        .toMatchObject({ rows: [{ name: 'audit-retention' }] });
    } finally {
      await t2.close();
    }
  });
});
