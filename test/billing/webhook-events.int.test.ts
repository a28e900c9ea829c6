// Every handled Stripe event type and every way an event finds its user (spec §2.1), seen
// through the public API: wallet, ledger, audit rows, and the admin's unresolved events.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/lib/db/database.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser, type TestUser } from '../helpers/identity.js';
import { balanceOf, checkoutCompleted, deliver, invoicePaid, newId, paymentIntentSucceeded, refundCreated, WEBHOOK_SECRET } from './stripe-events.js';

const INTERNAL = 'billing-events-internal-token-0123456789abcdef';
let t: TestApp;
let admin: TestUser;

beforeAll(async () => {
  t = await createTestApp({ env: { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, HIVE_INTERNAL_TOKEN: INTERNAL } });
  admin = await createTestUser(t, 'admin');
}, 60_000);
afterAll(async () => {
  await t?.close();
});

async function ok(ev: Parameters<typeof deliver>[1]): Promise<string> {
  const res = await deliver(t, ev);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().outcome;
}

async function auditFor(eventId: string) {
  return queryRows<{ action: string; outcome: string; metadata: Record<string, unknown> }>(
    t.database.db,
    sql`select action, outcome, metadata from audit_logs where target_type = 'stripe_event' and target_id = ${eventId}`,
  );
}

/** Links a Stripe customer to a user the way production does: checkout.session.completed. */
async function linkCustomer(userId: string): Promise<string> {
  const customer = newId('cus');
  expect(await ok(checkoutCompleted({ customer, metadata: { hive_user_id: userId } }))).toBe('customer_linked');
  return customer;
}

describe('payment_intent.succeeded', () => {
  it('credits the user named by metadata.hive_user_id, with one ledger row and one audit row', async () => {
    const u = await createTestUser(t, 'viewer');
    const ev = paymentIntentSucceeded({ amount: 2500, metadata: { hive_user_id: u.user.id } });
    expect(await ok(ev)).toBe('credited');

    const wallet = await t.app.inject({ method: 'GET', url: '/api/billing/wallet', headers: u.headers });
    expect(wallet.statusCode).toBe(200);
    const w = wallet.json();
    expect(Object.keys(w).sort()).toEqual(['balanceMinor', 'billingUsageMinorPer1kTokens', 'currency', 'stripe', 'updatedAt']);
    expect(w).toMatchObject({ balanceMinor: 2500, currency: 'usd', billingUsageMinorPer1kTokens: 0 });
    expect(Object.keys(w.stripe).sort()).toEqual(['checkoutEnabled', 'customerPortalEnabled', 'subscriptionCheckoutEnabled']);

    const ledger = (await t.app.inject({ method: 'GET', url: '/api/billing/ledger?limit=20&offset=0', headers: u.headers })).json();
    expect(ledger.total).toBe(1);
    expect(ledger.items[0]).toMatchObject({ kind: 'stripe_credit', signedAmountMinor: 2500, balanceAfterMinor: 2500, stripeEventId: ev.id, stripeEventType: 'payment_intent.succeeded' });
    expect(ledger.items[0].metadata.resolvedVia).toBe('metadata.hive_user_id');

    const audit = await auditFor(ev.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'billing.stripe.webhook', outcome: 'success' });
    expect(audit[0]!.metadata).toMatchObject({ type: 'payment_intent.succeeded', outcome: 'credited', userId: u.user.id, amountMinor: 2500 });
  });

  it('credits through metadata.user_id when hive_user_id is absent', async () => {
    const u = await createTestUser(t, 'viewer');
    expect(await ok(paymentIntentSucceeded({ amount: 700, metadata: { user_id: u.user.id } }))).toBe('credited');
    expect(await balanceOf(t, u.user.id)).toBe(700);
  });

  it('falls back to user_id when hive_user_id is not a user, and to the customer when neither is', async () => {
    const u = await createTestUser(t, 'viewer');
    expect(await ok(paymentIntentSucceeded({ amount: 100, metadata: { hive_user_id: randomUUID(), user_id: u.user.id } }))).toBe('credited');
    const v = await createTestUser(t, 'viewer');
    const customer = await linkCustomer(v.user.id);
    expect(await ok(paymentIntentSucceeded({ amount: 300, customer, metadata: { hive_user_id: 'not-a-uuid', user_id: randomUUID() } }))).toBe('credited');
    expect(await balanceOf(t, u.user.id)).toBe(100);
    expect(await balanceOf(t, v.user.id)).toBe(300);
  });

  it('credits through users.stripe_customer_id without metadata', async () => {
    const u = await createTestUser(t, 'viewer');
    const customer = await linkCustomer(u.user.id);
    const ev = paymentIntentSucceeded({ amount: 1200, customer });
    expect(await ok(ev)).toBe('credited');
    expect(await balanceOf(t, u.user.id)).toBe(1200);
    expect((await auditFor(ev.id))[0]!.metadata.resolvedVia).toBe('customer');
  });

  it('does not credit an invoiced PaymentIntent (invoice.paid does), but audits it', async () => {
    const u = await createTestUser(t, 'viewer');
    const ev = paymentIntentSucceeded({ amount: 900, invoice: newId('in'), metadata: { hive_user_id: u.user.id } });
    expect(await ok(ev)).toBe('ignored_invoiced');
    expect(await balanceOf(t, u.user.id)).toBe(0);
    expect((await auditFor(ev.id))[0]!.metadata.outcome).toBe('ignored_invoiced');
  });
});

describe('invoice.paid', () => {
  it('credits the user whose users.stripe_customer_id is the invoice customer', async () => {
    const u = await createTestUser(t, 'viewer');
    const customer = await linkCustomer(u.user.id);
    const ev = invoicePaid({ amount: 1999, customer });
    expect(await ok(ev)).toBe('credited');
    expect(await balanceOf(t, u.user.id)).toBe(1999);
    expect((await auditFor(ev.id))[0]!.metadata.resolvedVia).toBe('customer');
  });

  it('credits through the subscription metadata when the customer is unknown', async () => {
    const u = await createTestUser(t, 'viewer');
    expect(await ok(invoicePaid({ amount: 500, customer: newId('cus'), subscriptionMetadata: { hive_user_id: u.user.id } }))).toBe('credited');
    expect(await balanceOf(t, u.user.id)).toBe(500);
  });

  it('ignores a zero-amount invoice (trial)', async () => {
    const u = await createTestUser(t, 'viewer');
    const customer = await linkCustomer(u.user.id);
    expect(await ok(invoicePaid({ amount: 0, customer }))).toBe('ignored_zero_amount');
  });
});

describe('refund.created', () => {
  it('debits the user found through the ledger row of the same payment_intent', async () => {
    const u = await createTestUser(t, 'viewer');
    const pi = newId('pi');
    await ok(paymentIntentSucceeded({ id: pi, amount: 3000, metadata: { hive_user_id: u.user.id } }));
    const ev = refundCreated({ amount: 1000, paymentIntent: pi });
    expect(await ok(ev)).toBe('debited');
    expect(await balanceOf(t, u.user.id)).toBe(2000);
    const ledger = (await t.app.inject({ method: 'GET', url: '/api/billing/ledger', headers: u.headers })).json();
    expect(ledger.items[0]).toMatchObject({ kind: 'stripe_refund', direction: 'debit', signedAmountMinor: -1000, balanceAfterMinor: 2000, paymentIntentId: pi });
    expect((await auditFor(ev.id))[0]!.metadata.resolvedVia).toBe('payment_intent');
  });

  it('records a refund of a deleted account’s payment as unresolved', async () => {
    const u = await createTestUser(t, 'viewer');
    const pi = newId('pi');
    await ok(paymentIntentSucceeded({ id: pi, amount: 500, metadata: { hive_user_id: u.user.id } }));
    await t.database.db.execute(sql`delete from users where id = ${u.user.id}`);
    expect(await ok(refundCreated({ amount: 500, paymentIntent: pi }))).toBe('unresolved');
  });

  it('debits the user named by the refund metadata', async () => {
    const u = await createTestUser(t, 'viewer');
    await ok(paymentIntentSucceeded({ amount: 800, metadata: { hive_user_id: u.user.id } }));
    expect(await ok(refundCreated({ amount: 300, paymentIntent: newId('pi'), metadata: { hive_user_id: u.user.id } }))).toBe('debited');
    expect(await balanceOf(t, u.user.id)).toBe(500);
  });

  it('takes a refund larger than the balance down to zero, recording the shortfall, never below', async () => {
    const u = await createTestUser(t, 'viewer');
    const pi = newId('pi');
    await ok(paymentIntentSucceeded({ id: pi, amount: 1000, metadata: { hive_user_id: u.user.id } }));
    // Part of the credit was already spent on usage:
    const spent = await t.database.db.transaction((tx) =>
      t.container.billing.wallet.applyMovement(tx, {
        userId: u.user.id, kind: 'usage_debit', direction: 'debit', amountMinor: 700, currency: 'usd',
        stripeEventId: `hive_usage:${randomUUID()}`, description: 'usage', onShortfall: 'refuse',
      }),
    );
    expect(spent.applied).toBe(true);
    const ev = refundCreated({ amount: 1000, paymentIntent: pi });
    expect(await ok(ev)).toBe('debited');
    expect(await balanceOf(t, u.user.id)).toBe(0);
    const ledger = (await t.app.inject({ method: 'GET', url: '/api/billing/ledger', headers: u.headers })).json();
    expect(ledger.items[0]).toMatchObject({ kind: 'stripe_refund', amountMinor: 300, signedAmountMinor: -300, balanceAfterMinor: 0 });
    expect(ledger.items[0].metadata).toMatchObject({ requestedMinor: 1000, shortfallMinor: 700 });
    expect((await auditFor(ev.id))[0]!.metadata).toMatchObject({ shortfallMinor: 700, amountMinor: 300 });
  });
});

describe('checkout.session.completed', () => {
  it('sets users.stripe_customer_id only for a cus_ customer and an existing hive_user_id', async () => {
    const u = await createTestUser(t, 'viewer');
    expect(await ok(checkoutCompleted({ customer: 'gcus_weird', metadata: { hive_user_id: u.user.id } }))).toBe('ignored_no_match');
    expect(await ok(checkoutCompleted({ customer: newId('cus'), metadata: { hive_user_id: randomUUID() } }))).toBe('ignored_no_match');
    expect(await ok(checkoutCompleted({ customer: newId('cus'), metadata: {} }))).toBe('ignored_no_match');
    expect(await t.container.users.stripeCustomerId(u.user.id)).toBeNull();
    const customer = await linkCustomer(u.user.id);
    expect(await t.container.users.stripeCustomerId(u.user.id)).toBe(customer);
  });

  it('does not move a customer already linked to another user', async () => {
    const a = await createTestUser(t, 'viewer');
    const b = await createTestUser(t, 'viewer');
    const customer = await linkCustomer(a.user.id);
    expect(await ok(checkoutCompleted({ customer, metadata: { hive_user_id: b.user.id } }))).toBe('ignored_no_match');
    expect(await t.container.users.stripeCustomerId(b.user.id)).toBeNull();
  });
});

describe('unresolved events', () => {
  it('records a payment with no matching user for an admin, who can assign it once', async () => {
    const ev = paymentIntentSucceeded({ amount: 4200, customer: newId('cus'), metadata: { hive_user_id: randomUUID() } });
    expect(await ok(ev)).toBe('unresolved');
    expect(await ok(ev)).toBe('duplicate');
    expect((await auditFor(ev.id))[0]).toMatchObject({ outcome: 'failure' });

    const list = await t.app.inject({ method: 'GET', url: '/api/billing/admin/unresolved-events?status=open', headers: admin.headers });
    expect(list.statusCode).toBe(200);
    const item = list.json().items.find((i: { stripeEventId: string }) => i.stripeEventId === ev.id);
    expect(item).toMatchObject({ reason: 'user_not_found', amountMinor: 4200, direction: 'credit', status: 'open' });

    const u = await createTestUser(t, 'viewer');
    const url = `/api/billing/admin/unresolved-events/${ev.id}/assign`;
    expect((await t.app.inject({ method: 'POST', url, headers: u.headers, payload: { userId: u.user.id } })).statusCode).toBe(403);
    const assigned = await t.app.inject({ method: 'POST', url, headers: admin.headers, payload: { userId: u.user.id } });
    expect(assigned.statusCode, assigned.body).toBe(200);
    expect(assigned.json().event).toMatchObject({ status: 'assigned', assignedUserId: u.user.id });
    expect(await balanceOf(t, u.user.id)).toBe(4200);
    const again = await t.app.inject({ method: 'POST', url, headers: admin.headers, payload: { userId: u.user.id } });
    expect(again.json().error.code).toBe('BILLING_EVENT_CLOSED');
    // Stripe redelivering the event later does not credit it a second time.
    await t.kv.del(`stripe:webhook:event:${ev.id}`);
    expect(await ok(ev)).toBe('duplicate');
    expect(await balanceOf(t, u.user.id)).toBe(4200);
  });

  it('records a refund whose user cannot be found, and an event in another currency', async () => {
    const r = refundCreated({ amount: 100, paymentIntent: newId('pi') });
    expect(await ok(r)).toBe('unresolved');
    const u = await createTestUser(t, 'viewer');
    const eur = paymentIntentSucceeded({ amount: 100, currency: 'eur', metadata: { hive_user_id: u.user.id } });
    expect(await ok(eur)).toBe('unresolved');
    expect(await balanceOf(t, u.user.id)).toBe(0);
    const items = (await t.app.inject({ method: 'GET', url: '/api/billing/admin/unresolved-events?limit=100', headers: admin.headers })).json().items;
    expect(items.find((i: { stripeEventId: string }) => i.stripeEventId === r.id)).toMatchObject({ reason: 'user_not_found', direction: 'debit' });
    expect(items.find((i: { stripeEventId: string }) => i.stripeEventId === eur.id)).toMatchObject({ reason: 'currency_mismatch', currency: 'eur' });
    const assign = await t.app.inject({ method: 'POST', url: `/api/billing/admin/unresolved-events/${eur.id}/assign`, headers: admin.headers, payload: { userId: u.user.id } });
    expect(assign.json().error.code).toBe('BILLING_CURRENCY_MISMATCH');
    const dismiss = await t.app.inject({ method: 'POST', url: `/api/billing/admin/unresolved-events/${eur.id}/dismiss`, headers: admin.headers, payload: {} });
    expect(dismiss.statusCode).toBe(200);
    expect(dismiss.json().status).toBe('dismissed');
  });
});

describe('ledger and admin balances', () => {
  it('pages the ledger newest first and lists every wallet for admins only', async () => {
    const u = await createTestUser(t, 'viewer');
    for (const amount of [100, 200, 300]) await ok(paymentIntentSucceeded({ amount, metadata: { hive_user_id: u.user.id } }));
    const p1 = (await t.app.inject({ method: 'GET', url: '/api/billing/ledger?limit=2&offset=0', headers: u.headers })).json();
    const p2 = (await t.app.inject({ method: 'GET', url: '/api/billing/ledger?limit=2&offset=2', headers: u.headers })).json();
    expect(p1.total).toBe(3);
    expect(p1.items.map((i: { amountMinor: number }) => i.amountMinor)).toEqual([300, 200]);
    expect(p2.items.map((i: { amountMinor: number }) => i.amountMinor)).toEqual([100]);
    expect((await t.app.inject({ method: 'GET', url: '/api/billing/ledger?limit=101', headers: u.headers })).statusCode).toBe(400);

    expect((await t.app.inject({ method: 'GET', url: '/api/billing/admin/balances', headers: u.headers })).statusCode).toBe(403);
    const all = (await t.app.inject({ method: 'GET', url: '/api/billing/admin/balances?limit=100', headers: admin.headers })).json();
    expect(all.items.find((i: { userId: string }) => i.userId === u.user.id)).toMatchObject({ balanceMinor: 600, email: u.email, hardStop: false });
  });

  it('answers the wallet with zeros for a user without movements, and refuses the internal token', async () => {
    const u = await createTestUser(t, 'viewer');
    const w = (await t.app.inject({ method: 'GET', url: '/api/billing/wallet', headers: u.headers })).json();
    expect(w).toMatchObject({ balanceMinor: 0, currency: 'usd', updatedAt: null });
    const internal = await t.app.inject({ method: 'GET', url: '/api/billing/wallet', headers: { authorization: `Bearer ${INTERNAL}` } });
    expect(internal.statusCode).toBe(403);
    expect(internal.json().error.code).toBe('BILLING_USER_REQUIRED');
  });
});
