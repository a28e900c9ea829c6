// Duplicate deliveries credit once: 50 concurrent deliveries of one event, and a replay of an
// old event after the Kv hints were flushed (Postgres' unique stripe_event_id decides).
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/lib/db/database.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser } from '../helpers/identity.js';
import { balanceOf, deliver, newId, paymentIntentSucceeded, refundCreated, WEBHOOK_SECRET } from './stripe-events.js';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ env: { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET } });
}, 60_000);
afterAll(async () => {
  await t?.close();
});

async function rowsFor(eventId: string) {
  const [r] = await queryRows<{ ledger: string; audit: string }>(
    t.database.db,
    sql`select (select count(*) from billing_ledger_entries where stripe_event_id = ${eventId}) as ledger,
               (select count(*) from audit_logs where target_type = 'stripe_event' and target_id = ${eventId}) as audit`,
  );
  return { ledger: Number(r!.ledger), audit: Number(r!.audit) };
}

describe('webhook idempotency', () => {
  it('credits exactly once for 50 concurrent deliveries of the same event', async () => {
    const u = await createTestUser(t, 'viewer');
    const ev = paymentIntentSucceeded({ amount: 1500, metadata: { hive_user_id: u.user.id } });
    // Each delivery signed separately, as Stripe does on retries.
    const answers = await Promise.all(Array.from({ length: 50 }, () => deliver(t, ev)));
    expect(answers.map((r) => r.statusCode)).toEqual(Array(50).fill(200));
    const outcomes = answers.map((r) => r.json().outcome);
    expect(outcomes.filter((o) => o === 'credited')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(49);
    expect(await balanceOf(t, u.user.id)).toBe(1500);
    expect(await rowsFor(ev.id)).toEqual({ ledger: 1, audit: 1 });
  }, 120_000);

  it('still credits once when an old event is replayed after Redis/Kv was flushed', async () => {
    const u = await createTestUser(t, 'viewer');
    const ev = paymentIntentSucceeded({ amount: 900, metadata: { hive_user_id: u.user.id } });
    expect((await deliver(t, ev)).json().outcome).toBe('credited');
    expect(await t.kv.get(`stripe:webhook:event:${ev.id}`)).toBe('credited');
    // With the hint present the database is not even consulted:
    expect((await deliver(t, ev)).json().outcome).toBe('duplicate');

    await t.kv.del(`stripe:webhook:event:${ev.id}`);
    const replays = await Promise.all(Array.from({ length: 10 }, () => deliver(t, ev)));
    expect(replays.map((r) => r.json().outcome)).toEqual(Array(10).fill('duplicate'));
    expect(await balanceOf(t, u.user.id)).toBe(900);
    expect(await rowsFor(ev.id)).toEqual({ ledger: 1, audit: 1 });
  }, 120_000);

  it('applies concurrent distinct credits and refunds of one user without losing any', async () => {
    const u = await createTestUser(t, 'viewer');
    const pi = newId('pi');
    await deliver(t, paymentIntentSucceeded({ id: pi, amount: 10_000, metadata: { hive_user_id: u.user.id } }));
    const credits = Array.from({ length: 20 }, () => paymentIntentSucceeded({ amount: 100, metadata: { hive_user_id: u.user.id } }));
    const refunds = Array.from({ length: 10 }, () => refundCreated({ amount: 50, paymentIntent: pi }));
    const all = [...credits, ...refunds];
    // Every event delivered twice, all at once.
    const answers = await Promise.all([...all, ...all].map((e) => deliver(t, e)));
    expect(answers.every((r) => r.statusCode === 200)).toBe(true);
    expect(await balanceOf(t, u.user.id)).toBe(10_000 + 20 * 100 - 10 * 50);
    const [sum] = await queryRows<{ s: string }>(
      t.database.db,
      sql`select sum(case when direction = 'credit' then amount_minor else -amount_minor end) as s from billing_ledger_entries where user_id = ${u.user.id}`,
    );
    expect(Number(sum!.s)).toBe(11_500);
    // In ledger order, each row's balance_after follows from the previous one (grouped rows included).
    const rows = await queryRows<{ direction: string; amount_minor: string; balance_after_minor: string }>(
      t.database.db,
      sql`select direction, amount_minor, balance_after_minor from billing_ledger_entries where user_id = ${u.user.id} order by created_at, seq`,
    );
    let running = 0;
    for (const r of rows) {
      running += (r.direction === 'credit' ? 1 : -1) * Number(r.amount_minor);
      expect(Number(r.balance_after_minor)).toBe(running);
    }
    const api = (await t.app.inject({ method: 'GET', url: '/api/billing/ledger?limit=100', headers: u.headers })).json();
    expect(api.items.map((i: { balanceAfterMinor: number }) => i.balanceAfterMinor)).toEqual(rows.map((r) => Number(r.balance_after_minor)).reverse());
    // Grouped transactions append their audit rows with audit.recordMany: the chain still verifies.
    expect(await t.container.audit.verify()).toMatchObject({ ok: true });
  }, 120_000);

  it('fails only the bad event of a group: the others are retried one by one and credited', async () => {
    const u = await createTestUser(t, 'viewer');
    const good = Array.from({ length: 12 }, () => paymentIntentSucceeded({ amount: 10, metadata: { hive_user_id: u.user.id } }));
    // Signed, so it passes verification, but PostgreSQL refuses the NUL byte in its ids.
    const poison = paymentIntentSucceeded({ id: 'pi_\u0000bad', amount: 10, metadata: { hive_user_id: u.user.id } });
    const answers = await Promise.all([...good.slice(0, 6), poison, ...good.slice(6)].map((e) => deliver(t, e)));
    expect(answers.filter((r) => r.statusCode === 200).map((r) => r.json().outcome)).toEqual(Array(12).fill('credited'));
    expect(answers[6]!.statusCode).toBe(500);
    expect(await balanceOf(t, u.user.id)).toBe(120);
    expect((await rowsFor(poison.id)).ledger).toBe(0);
  }, 120_000);
});
