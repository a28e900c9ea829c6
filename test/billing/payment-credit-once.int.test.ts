// One payment, one credit: payment_intent.succeeded and invoice.paid report the same money
// (from Stripe API 2025-03-31.basil the PaymentIntent no longer names its invoice). Whatever
// the order, the payload shape (acacia or basil), duplicates or concurrency, the PaymentIntent
// is credited once (billing_payment_credits), the other event is an audited no-op, and
// refunds still find their user.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/lib/db/database.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser, type TestUser } from '../helpers/identity.js';
import {
  balanceOf,
  checkoutCompleted,
  deliver,
  invoicePaid,
  invoicePaidBasil,
  newId,
  paymentIntentSucceeded,
  refundCreated,
  WEBHOOK_SECRET,
  type StripeEventBody,
} from './stripe-events.js';

let t: TestApp;
let admin: TestUser;

beforeAll(async () => {
  t = await createTestApp({ env: { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET } });
  admin = await createTestUser(t, 'admin');
}, 60_000);
afterAll(async () => {
  await t?.close();
});

async function ok(ev: StripeEventBody): Promise<string> {
  const res = await deliver(t, ev);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().outcome;
}

async function linkedUser(): Promise<{ id: string; customer: string }> {
  const u = await createTestUser(t, 'viewer');
  const customer = newId('cus');
  expect(await ok(checkoutCompleted({ customer, metadata: { hive_user_id: u.user.id } }))).toBe('customer_linked');
  return { id: u.user.id, customer };
}

/** Credit rows for a PaymentIntent: in the ledger (any user) and its claim. */
async function creditsFor(pi: string): Promise<{ ledgerCredits: number; claims: number; creditedMinor: number }> {
  const [r] = await queryRows<{ n: string; s: string | null; c: string }>(
    t.database.db,
    sql`select count(*) as n, sum(amount_minor) as s,
               (select count(*) from billing_payment_credits where payment_intent_id = ${pi}) as c
        from billing_ledger_entries where direction = 'credit' and payment_intent_id = ${pi}`,
  );
  return { ledgerCredits: Number(r!.n), claims: Number(r!.c), creditedMinor: Number(r!.s ?? 0) };
}

async function auditOf(eventId: string) {
  const rows = await queryRows<{ metadata: Record<string, unknown> }>(t.database.db, sql`select metadata from audit_logs where target_type = 'stripe_event' and target_id = ${eventId}`);
  return rows.map((r) => r.metadata);
}

describe('an invoice payment of a linked customer is credited once', () => {
  it('basil: payment_intent.succeeded, then invoice.paid listing the PaymentIntent', async () => {
    const u = await linkedUser();
    const pi = newId('pi');
    const pay = paymentIntentSucceeded({ id: pi, amount: 2000, customer: u.customer, basil: true });
    const inv = invoicePaidBasil({ amount: 2000, customer: u.customer, payments: [pi] });
    expect(await ok(pay)).toBe('credited');
    expect(await ok(inv)).toBe('already_credited');
    expect(await balanceOf(t, u.id)).toBe(2000);
    expect(await creditsFor(pi)).toEqual({ ledgerCredits: 1, claims: 1, creditedMinor: 2000 });
    // The no-op says why, in the audit log.
    expect(await auditOf(inv.id)).toEqual([expect.objectContaining({ outcome: 'already_credited', paymentIntentId: pi, creditedBy: pay.id, amountMinor: 2000 })]);
    // A redelivery of either stays a no-op (Kv hint gone: the database decides).
    await t.kv.del(`stripe:webhook:event:${pay.id}`);
    await t.kv.del(`stripe:webhook:event:${inv.id}`);
    expect(await ok(pay)).toBe('duplicate');
    expect(await ok(inv)).toBe('already_credited');
    expect(await balanceOf(t, u.id)).toBe(2000);
  });

  it('basil: invoice.paid first, then payment_intent.succeeded', async () => {
    const u = await linkedUser();
    const pi = newId('pi');
    const inv = invoicePaidBasil({ amount: 1500, customer: u.customer, payments: [pi] });
    const pay = paymentIntentSucceeded({ id: pi, amount: 1500, customer: u.customer, basil: true });
    expect(await ok(inv)).toBe('credited');
    expect(await ok(pay)).toBe('already_credited');
    expect(await balanceOf(t, u.id)).toBe(1500);
    expect(await creditsFor(pi)).toEqual({ ledgerCredits: 1, claims: 1, creditedMinor: 1500 });
    expect(await auditOf(pay.id)).toEqual([expect.objectContaining({ outcome: 'already_credited', creditedBy: inv.id })]);
  });

  it('acacia: the invoiced PaymentIntent is ignored, invoice.paid credits (either order)', async () => {
    const u = await linkedUser();
    const pi = newId('pi');
    const invoiceId = newId('in');
    expect(await ok(paymentIntentSucceeded({ id: pi, amount: 700, customer: u.customer, invoice: invoiceId }))).toBe('ignored_invoiced');
    expect(await ok(invoicePaid({ amount: 700, customer: u.customer, paymentIntent: pi }))).toBe('credited');
    const pi2 = newId('pi');
    expect(await ok(invoicePaid({ amount: 300, customer: u.customer, paymentIntent: pi2 }))).toBe('credited');
    expect(await ok(paymentIntentSucceeded({ id: pi2, amount: 300, customer: u.customer, invoice: newId('in') }))).toBe('ignored_invoiced');
    expect(await balanceOf(t, u.id)).toBe(1000);
  });

  it('mixed shapes (endpoints on both versions): acacia invoice.paid and basil payment_intent.succeeded, both orders', async () => {
    const u = await linkedUser();
    const a = newId('pi');
    expect(await ok(invoicePaid({ amount: 400, customer: u.customer, paymentIntent: a }))).toBe('credited');
    expect(await ok(paymentIntentSucceeded({ id: a, amount: 400, customer: u.customer, basil: true }))).toBe('already_credited');
    const b = newId('pi');
    expect(await ok(paymentIntentSucceeded({ id: b, amount: 600, customer: u.customer, basil: true }))).toBe('credited');
    expect(await ok(invoicePaid({ amount: 600, customer: u.customer, paymentIntent: b }))).toBe('already_credited');
    // An acacia PaymentIntent without invoice and a basil invoice listing it.
    const c = newId('pi');
    expect(await ok(paymentIntentSucceeded({ id: c, amount: 50, customer: u.customer }))).toBe('credited');
    expect(await ok(invoicePaidBasil({ amount: 50, customer: u.customer, payments: [c] }))).toBe('already_credited');
    expect(await balanceOf(t, u.id)).toBe(1050);
  });

  it('basil invoice.paid that does not list its payments is not credited: the PaymentIntent is', async () => {
    const u = await linkedUser();
    const pi = newId('pi');
    const inv = invoicePaidBasil({ amount: 900, customer: u.customer });
    expect(await ok(inv)).toBe('ignored_payment_unknown');
    expect(await auditOf(inv.id)).toEqual([expect.objectContaining({ outcome: 'ignored_payment_unknown', amountMinor: 900 })]);
    // A list with more pages than the event carries is as unknown.
    expect(await ok(invoicePaidBasil({ amount: 900, customer: u.customer, payments: [pi], hasMore: true }))).toBe('ignored_payment_unknown');
    expect(await ok(paymentIntentSucceeded({ id: pi, amount: 900, customer: u.customer, basil: true }))).toBe('credited');
    expect(await balanceOf(t, u.id)).toBe(900);
  });

  it('an invoice paid in parts: each PaymentIntent counts once, whichever event comes first', async () => {
    const u = await linkedUser();
    const [p1, p2] = [newId('pi'), newId('pi')];
    expect(await ok(paymentIntentSucceeded({ id: p1, amount: 500, customer: u.customer, basil: true }))).toBe('credited');
    // The invoice claims both: one is taken, so the invoice credits nothing...
    expect(await ok(invoicePaidBasil({ amount: 1000, customer: u.customer, payments: [p1, p2] }))).toBe('already_credited');
    // ...and the other part comes with its own event.
    expect(await ok(paymentIntentSucceeded({ id: p2, amount: 500, customer: u.customer, basil: true }))).toBe('credited');
    expect(await balanceOf(t, u.id)).toBe(1000);

    const v = await linkedUser();
    const [q1, q2] = [newId('pi'), newId('pi')];
    expect(await ok(invoicePaidBasil({ amount: 1000, customer: v.customer, payments: [q1, q2] }))).toBe('credited');
    expect(await ok(paymentIntentSucceeded({ id: q2, amount: 500, customer: v.customer, basil: true }))).toBe('already_credited');
    expect(await ok(paymentIntentSucceeded({ id: q1, amount: 500, customer: v.customer, basil: true }))).toBe('already_credited');
    expect(await balanceOf(t, v.id)).toBe(1000);
  });
});

describe('concurrent delivery', () => {
  it('the two events of a payment, delivered together and repeatedly, credit exactly once (both shapes)', async () => {
    const u = await linkedUser();
    const pairs = Array.from({ length: 8 }, (_, i) => {
      const pi = newId('pi');
      const pay = paymentIntentSucceeded({ id: pi, amount: 100 + i, customer: u.customer, basil: true });
      const inv = i % 2 === 0 ? invoicePaidBasil({ amount: 100 + i, customer: u.customer, payments: [pi] }) : invoicePaid({ amount: 100 + i, customer: u.customer, paymentIntent: pi });
      return { pi, pay, inv };
    });
    // Every event three times, interleaved, all at once: grouped commits mix them.
    const all = pairs.flatMap(({ pay, inv }) => [pay, inv, inv, pay, pay, inv]);
    const answers = await Promise.all(all.map((e) => deliver(t, e)));
    expect(answers.map((r) => r.statusCode)).toEqual(Array(all.length).fill(200));
    const outcomes = answers.map((r) => r.json().outcome as string);
    expect(outcomes.filter((o) => o === 'credited')).toHaveLength(pairs.length);
    expect(outcomes.every((o) => ['credited', 'already_credited', 'duplicate'].includes(o))).toBe(true);
    for (const { pi } of pairs) expect((await creditsFor(pi)).ledgerCredits).toBe(1);
    expect(await balanceOf(t, u.id)).toBe(pairs.reduce((s, _, i) => s + 100 + i, 0));
    expect(await t.container.audit.verify()).toMatchObject({ ok: true });
  }, 180_000);

  it('credits once when the two events resolve to different users (different wallet locks)', async () => {
    for (let round = 0; round < 4; round++) {
      const a = await createTestUser(t, 'viewer');
      const b = await linkedUser();
      const pi = newId('pi');
      // The PaymentIntent names user a; the invoice's customer is user b.
      const pay = paymentIntentSucceeded({ id: pi, amount: 1000, metadata: { hive_user_id: a.user.id }, basil: true });
      const inv = invoicePaidBasil({ amount: 1000, customer: b.customer, payments: [pi] });
      const answers = await Promise.all([pay, inv, pay, inv].map((e) => deliver(t, e)));
      expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
      expect(answers.filter((r) => r.json().outcome === 'credited')).toHaveLength(1);
      expect((await balanceOf(t, a.user.id)) + (await balanceOf(t, b.id))).toBe(1000);
      expect(await creditsFor(pi)).toEqual({ ledgerCredits: 1, claims: 1, creditedMinor: 1000 });
    }
  }, 180_000);
});

describe('refunds and admin assignment', () => {
  it('refunds an invoice credit through any of its PaymentIntents', async () => {
    const u = await createTestUser(t, 'viewer');
    const [p1, p2] = [newId('pi'), newId('pi')];
    // Not linked: found through the subscription metadata only.
    expect(await ok(invoicePaidBasil({ amount: 3000, customer: newId('cus'), payments: [p1, p2], subscriptionMetadata: { hive_user_id: u.user.id } }))).toBe('credited');
    expect(await ok(paymentIntentSucceeded({ id: p2, amount: 1500, customer: null, basil: true }))).toBe('already_credited');
    expect(await ok(refundCreated({ amount: 1000, paymentIntent: p2 }))).toBe('debited');
    expect(await ok(refundCreated({ amount: 500, paymentIntent: p1 }))).toBe('debited');
    expect(await balanceOf(t, u.user.id)).toBe(1500);
  });

  it('an admin cannot assign an unresolved payment that its invoice has credited since', async () => {
    const u = await createTestUser(t, 'viewer');
    const pi = newId('pi');
    const customer = newId('cus');
    // The PaymentIntent alone names nobody: kept for an admin.
    const pay = paymentIntentSucceeded({ id: pi, amount: 800, customer, basil: true });
    expect(await ok(pay)).toBe('unresolved');
    expect(await ok(invoicePaidBasil({ amount: 800, customer, payments: [pi], subscriptionMetadata: { hive_user_id: u.user.id } }))).toBe('credited');
    const res = await t.app.inject({ method: 'POST', url: `/api/billing/admin/unresolved-events/${pay.id}/assign`, headers: admin.headers, payload: { userId: u.user.id } });
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json().error.code).toBe('BILLING_PAYMENT_ALREADY_CREDITED');
    expect(await balanceOf(t, u.user.id)).toBe(800);
    // An unresolvable PaymentIntent arriving after its invoice is credited is not queued at all.
    const pi2 = newId('pi');
    expect(await ok(invoicePaidBasil({ amount: 200, customer, payments: [pi2], subscriptionMetadata: { hive_user_id: u.user.id } }))).toBe('credited');
    expect(await ok(paymentIntentSucceeded({ id: pi2, amount: 200, customer, metadata: { hive_user_id: randomUUID() }, basil: true }))).toBe('already_credited');
    expect(await balanceOf(t, u.user.id)).toBe(1000);
  });

  it('an admin assignment claims the PaymentIntent: the invoice arriving later does not credit again', async () => {
    const u = await createTestUser(t, 'viewer');
    const pi = newId('pi');
    const pay = paymentIntentSucceeded({ id: pi, amount: 650, customer: newId('cus'), basil: true });
    expect(await ok(pay)).toBe('unresolved');
    const res = await t.app.inject({ method: 'POST', url: `/api/billing/admin/unresolved-events/${pay.id}/assign`, headers: admin.headers, payload: { userId: u.user.id } });
    expect(res.statusCode, res.body).toBe(200);
    expect(await ok(invoicePaidBasil({ amount: 650, customer: null, payments: [pi], subscriptionMetadata: { hive_user_id: u.user.id } }))).toBe('already_credited');
    expect(await balanceOf(t, u.user.id)).toBe(650);
  });
});

describe('a claim committed by another transaction while ours runs', () => {
  it('turns the webhook’s credit into already_credited (its transaction is rerun), never a second credit', async () => {
    const a = await createTestUser(t, 'viewer');
    const b = await linkedUser();
    const pi = newId('pi');
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    // A credit of user a for the PaymentIntent, held uncommitted (other wallet than the webhook's).
    const held = t.database.db.transaction(async (tx) => {
      const r = await t.container.billing.wallet.applyMovement(tx, {
        userId: a.user.id, kind: 'stripe_credit', direction: 'credit', amountMinor: 900, currency: 'usd',
        stripeEventId: newId('evt'), paymentIntentId: pi, claims: [pi], description: 'held', onShortfall: 'clamp',
      });
      await gate;
      return r;
    });
    // On PostgreSQL the webhook's claim insert waits for the held transaction, then conflicts.
    const delivery = deliver(t, invoicePaidBasil({ amount: 900, customer: b.customer, payments: [pi] }));
    await new Promise((r) => setTimeout(r, 500));
    open();
    expect((await held).applied).toBe(true);
    const res = await delivery;
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().outcome).toBe('already_credited');
    expect(await balanceOf(t, b.id)).toBe(0);
    expect(await creditsFor(pi)).toEqual({ ledgerCredits: 1, claims: 1, creditedMinor: 900 });
  }, 60_000);
});

describe('migration', () => {
  it('backfills the claims of credits made before billing_payment_credits existed', async () => {
    const u = await linkedUser();
    const pi = newId('pi');
    // A credit written the old way: a ledger row and no claim.
    await t.database.db.execute(sql`insert into billing_ledger_entries (user_id, kind, direction, amount_minor, currency, balance_after_minor, stripe_event_id, payment_intent_id)
      values (${u.id}, 'stripe_credit', 'credit', 500, 'usd', 500, ${newId('evt')}, ${pi})`);
    const file = readFileSync(new URL('../../drizzle/0008_billing_payment_credit_unique.sql', import.meta.url), 'utf8');
    const backfill = file.split('--> statement-breakpoint').find((part) => part.includes('INSERT INTO'))!;
    await t.database.db.execute(sql.raw(backfill));
    await t.database.db.execute(sql.raw(backfill)); // idempotent
    expect((await creditsFor(pi)).claims).toBe(1);
    expect(await ok(invoicePaidBasil({ amount: 500, customer: u.customer, payments: [pi] }))).toBe('already_credited');
  });
});
