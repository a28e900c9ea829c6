// Usage metering: the durable job debits owners for inference_usage rows (inserted directly:
// the table is shared data written by the llm module), once per row, never below zero; and
// the SpendGuard the LLM gateway asks (hard stop, monthly limit).
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/lib/db/database.js';
import { createBillingRepo } from '../../src/modules/billing/billing.repo.js';
import { createUsageMetering, METERING_QUEUE } from '../../src/modules/billing/usage-metering.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser } from '../helpers/identity.js';
import { balanceOf, deliver, paymentIntentSucceeded, WEBHOOK_SECRET } from './stripe-events.js';

const RATE = 10; // minor units per 1,000 tokens
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ env: { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, BILLING_USAGE_MINOR_PER_1K_TOKENS: String(RATE) } });
}, 60_000);
afterAll(async () => {
  await t?.close();
});

async function fund(userId: string, amount: number) {
  const res = await deliver(t, paymentIntentSucceeded({ amount, metadata: { hive_user_id: userId } }));
  expect(res.json().outcome).toBe('credited');
}

async function insertUsage(ownerId: string, tokensIn: number, tokensOut: number): Promise<string> {
  const id = randomUUID();
  await t.database.db.execute(sql`insert into inference_usage (id, agent_id, owner_id, provider_type, model, tokens_in, tokens_out, status)
    values (${id}, ${randomUUID()}, ${ownerId}, 'openai', 'gpt-test', ${tokensIn}, ${tokensOut}, 'ok')`);
  return id;
}

async function statusOf(ids: string[]): Promise<Record<string, string | null>> {
  const rows = await queryRows<{ id: string; billing_status: string | null }>(t.database.db, sql`select id, billing_status from inference_usage`);
  return Object.fromEntries(rows.filter((r) => ids.includes(r.id)).map((r) => [r.id, r.billing_status]));
}

describe('usage metering job', () => {
  it('debits the owner per row through the job queue, idempotently, with usage lines in the ledger', async () => {
    const u = await createTestUser(t, 'operator');
    await fund(u.user.id, 1000);
    const a = await insertUsage(u.user.id, 1500, 500); // 2000 tokens → 20
    const b = await insertUsage(u.user.id, 40, 9); // 49 tokens → 0.49 → 0 (free)
    const c = await insertUsage(u.user.id, 100, 50); // 150 tokens → 1.5 → 2 (half up)
    await t.container.billing.metering.enqueue(t.container.jobs);
    await t.container.jobs.drain();
    expect(await statusOf([a, b, c])).toEqual({ [a]: 'debited', [b]: 'free', [c]: 'debited' });
    expect(await balanceOf(t, u.user.id)).toBe(1000 - 20 - 2);

    const ledger = (await t.app.inject({ method: 'GET', url: '/api/billing/ledger', headers: u.headers })).json();
    const usage = ledger.items.filter((i: { kind: string }) => i.kind === 'usage_debit');
    expect(usage.map((i: { stripeEventId: string }) => i.stripeEventId).sort()).toEqual([`hive_usage:${a}`, `hive_usage:${c}`].sort());
    expect(usage.find((i: { stripeEventId: string }) => i.stripeEventId === `hive_usage:${a}`)).toMatchObject({ signedAmountMinor: -20 });

    // Another run (or a rerun after a crash that reset billing_status) charges nothing twice.
    await t.database.db.execute(sql`update inference_usage set billing_status = null where id = ${a}`);
    await t.container.billing.metering.runOnce();
    expect(await balanceOf(t, u.user.id)).toBe(978);
    expect((await statusOf([a]))[a]).toBe('debited');
    const jobs = await queryRows<{ status: string }>(t.database.db, sql`select status from jobs where queue = ${METERING_QUEUE}`);
    expect(jobs.every((j) => j.status === 'completed')).toBe(true);
  }, 120_000);

  it('skips (and marks) a row whose charge exceeds the balance; usage stays recorded', async () => {
    const u = await createTestUser(t, 'operator');
    await fund(u.user.id, 50);
    const big = await insertUsage(u.user.id, 10_000, 0); // 100 > 50
    const small = await insertUsage(u.user.id, 3_000, 0); // 30
    await t.container.billing.metering.runOnce();
    expect(await statusOf([big, small])).toEqual({ [big]: 'skipped_insufficient', [small]: 'debited' });
    expect(await balanceOf(t, u.user.id)).toBe(20);
    // A later top-up does not bill the skipped row retroactively.
    await fund(u.user.id, 1000);
    await t.container.billing.metering.runOnce();
    expect(await balanceOf(t, u.user.id)).toBe(1020);
  }, 120_000);

  it('never takes a small balance negative under concurrent metering passes', async () => {
    const u = await createTestUser(t, 'operator');
    await fund(u.user.id, 95);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(await insertUsage(u.user.id, 1000, 0)); // 10 each: 9 fit
    const others = await createTestUser(t, 'operator');
    await fund(others.user.id, 1000);
    for (let i = 0; i < 20; i++) ids.push(await insertUsage(others.user.id, 500, 500));
    // Eight workers (as on several replicas) taking small batches, so passes interleave on one wallet.
    const workers = Array.from({ length: 8 }, () =>
      createUsageMetering({ db: t.database.db, repo: createBillingRepo(), wallet: t.container.billing.wallet, users: t.container.users, logger: t.container.logger, ratePer1k: RATE, batchSize: 3 }),
    );
    const passes = await Promise.all(workers.map((w) => w.runOnce()));
    const debited = passes.reduce((n, p) => n + p.debited, 0);
    const skipped = passes.reduce((n, p) => n + p.skipped, 0);
    expect(debited).toBe(9 + 20);
    expect(skipped).toBe(31);
    expect(await balanceOf(t, u.user.id)).toBe(5);
    expect(await balanceOf(t, others.user.id)).toBe(800);
    const statuses = Object.values(await statusOf(ids));
    expect(statuses.filter((s) => s === 'debited')).toHaveLength(29);
    const [neg] = await queryRows<{ n: string }>(t.database.db, sql`select count(*) as n from user_wallet_balances where balance_minor < 0`);
    expect(Number(neg!.n)).toBe(0);
  }, 180_000);

  it('closes rows of a deleted owner as skipped_no_owner without blocking the others', async () => {
    const gone = randomUUID();
    const u = await createTestUser(t, 'operator');
    await fund(u.user.id, 100);
    const orphan = await insertUsage(gone, 1000, 0);
    const ok = await insertUsage(u.user.id, 1000, 0);
    await t.container.billing.metering.runOnce();
    expect(await statusOf([orphan, ok])).toEqual({ [orphan]: 'skipped_no_owner', [ok]: 'debited' });
  }, 120_000);

  it('marks rows free when metering is off (rate 0), so enabling it later bills only new usage', async () => {
    const off = await createTestApp({ database: t.database, kv: t.kv, env: { BILLING_USAGE_MINOR_PER_1K_TOKENS: '0' } });
    try {
      const u = await createTestUser(off, 'operator');
      const id = await insertUsage(u.user.id, 5000, 5000);
      await off.container.billing.metering.runOnce();
      expect((await statusOf([id]))[id]).toBe('free');
      const w = (await off.app.inject({ method: 'GET', url: '/api/billing/wallet', headers: u.headers })).json();
      expect(w.billingUsageMinorPer1kTokens).toBe(0);
    } finally {
      await off.close();
    }
  }, 120_000);
});

describe('metering schedule', () => {
  it('is scheduled by startDaemons and runs from the job queue on its own', async () => {
    const live = await createTestApp({ database: t.database, kv: t.kv, startDaemons: true, env: { BILLING_USAGE_MINOR_PER_1K_TOKENS: String(RATE) } });
    try {
      const u = await createTestUser(live, 'operator');
      await fund(u.user.id, 100);
      const id = await insertUsage(u.user.id, 1000, 0);
      const deadline = Date.now() + 60_000;
      while ((await statusOf([id]))[id] === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect((await statusOf([id]))[id]).toBe('debited');
      const s = await queryRows<{ every_ms: number }>(t.database.db, sql`select every_ms from job_schedules where name = ${METERING_QUEUE}`);
      expect(s).toHaveLength(1);
    } finally {
      await live.close();
    }
  }, 120_000);
});

describe('spend guard and limits', () => {
  it('refuses with BILLING_WALLET_EMPTY when the hard stop is on and the wallet is empty', async () => {
    const u = await createTestUser(t, 'operator');
    const guard = t.container.spendGuard;
    expect(await guard.check(u.user.id)).toEqual({ allowed: true });
    const set = await t.app.inject({ method: 'PUT', url: '/api/billing/limits', headers: u.headers, payload: { hardStop: true } });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toMatchObject({ hardStop: true, monthlySpendLimitMinor: null, spentThisMonthMinor: 0 });
    expect(await guard.check(u.user.id)).toMatchObject({ allowed: false, code: 'BILLING_WALLET_EMPTY' });
    await fund(u.user.id, 10);
    expect(await guard.check(u.user.id)).toEqual({ allowed: true });
    await insertUsage(u.user.id, 1000, 0);
    await t.container.billing.metering.runOnce();
    expect(await balanceOf(t, u.user.id)).toBe(0);
    expect(await guard.check(u.user.id)).toMatchObject({ allowed: false, code: 'BILLING_WALLET_EMPTY' });
  }, 120_000);

  it('refuses with BILLING_SPEND_LIMIT_REACHED once the month’s usage reaches the limit', async () => {
    const u = await createTestUser(t, 'operator');
    await fund(u.user.id, 10_000);
    const set = await t.app.inject({ method: 'PUT', url: '/api/billing/limits', headers: u.headers, payload: { monthlySpendLimitMinor: 25 } });
    expect(set.statusCode).toBe(200);
    await insertUsage(u.user.id, 2000, 0); // 20
    await t.container.billing.metering.runOnce();
    expect(await t.container.spendGuard.check(u.user.id)).toEqual({ allowed: true });
    await insertUsage(u.user.id, 500, 0); // 5 → 25
    await t.container.billing.metering.runOnce();
    expect(await t.container.spendGuard.check(u.user.id)).toMatchObject({ allowed: false, code: 'BILLING_SPEND_LIMIT_REACHED' });
    const limits = (await t.app.inject({ method: 'GET', url: '/api/billing/limits', headers: u.headers })).json();
    expect(limits).toMatchObject({ monthlySpendLimitMinor: 25, spentThisMonthMinor: 25 });

    // An admin lifts it; a viewer cannot use the admin route.
    const admin = await createTestUser(t, 'admin');
    const url = `/api/billing/admin/users/${u.user.id}/limits`;
    expect((await t.app.inject({ method: 'PUT', url, headers: u.headers, payload: { monthlySpendLimitMinor: null } })).statusCode).toBe(403);
    const lifted = await t.app.inject({ method: 'PUT', url, headers: admin.headers, payload: { monthlySpendLimitMinor: null } });
    expect(lifted.statusCode, lifted.body).toBe(200);
    expect(await t.container.spendGuard.check(u.user.id)).toEqual({ allowed: true });
    expect((await t.app.inject({ method: 'PUT', url: `/api/billing/admin/users/${randomUUID()}/limits`, headers: admin.headers, payload: { hardStop: true } })).statusCode).toBe(404);
    const audit = await queryRows<{ n: string }>(t.database.db, sql`select count(*) as n from audit_logs where action = 'billing.limits.update' and target_id = ${u.user.id}`);
    expect(Number(audit[0]!.n)).toBe(2);
  }, 120_000);
});
