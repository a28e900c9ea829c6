// With STRIPE_SECRET_KEY set, a basil invoice.paid that does not list its payments (the usual
// webhook payload) is completed from Stripe's InvoicePayments list (test/fixtures/stripe-api),
// so the invoice credits and claims its PaymentIntents; Stripe down → 503, nothing written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser } from '../helpers/identity.js';
import { startStripeApiFixture, type StripeApiFixture } from '../fixtures/stripe-api/server.js';
import { balanceOf, billingFootprint, deliver, invoicePaidBasil, newId, paymentIntentSucceeded, WEBHOOK_SECRET, type StripeEventBody } from './stripe-events.js';

let stripe: StripeApiFixture;
let t: TestApp;

beforeAll(async () => {
  stripe = await startStripeApiFixture();
  t = await createTestApp({ env: { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_SECRET_KEY: 'sk_test_pilox_fixture_lookup_0123', STRIPE_API_BASE: stripe.url } });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await stripe?.close();
});

async function ok(ev: StripeEventBody): Promise<string> {
  const res = await deliver(t, ev);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().outcome;
}

const lookups = (invoice: string) => stripe.requests.filter((r) => r.method === 'GET' && r.path === '/v1/invoice_payments' && r.params.invoice === invoice);

describe('basil invoice.paid without its payments list', () => {
  it('is credited through the looked-up PaymentIntents, and the PaymentIntent event then is a no-op', async () => {
    const u = await createTestUser(t, 'viewer');
    const pi = newId('pi');
    const inv = invoicePaidBasil({ amount: 1200, customer: newId('cus'), subscriptionMetadata: { hive_user_id: u.user.id } });
    stripe.invoicePayments.set(String(inv.data.object.id), [pi]);
    expect(await ok(inv)).toBe('credited');
    expect(lookups(String(inv.data.object.id))).toHaveLength(1);
    expect(await ok(paymentIntentSucceeded({ id: pi, amount: 1200, metadata: { hive_user_id: u.user.id }, basil: true }))).toBe('already_credited');
    expect(await balanceOf(t, u.user.id)).toBe(1200);
  });

  it('is a no-op when its PaymentIntent was credited first', async () => {
    const u = await createTestUser(t, 'viewer');
    const pi = newId('pi');
    expect(await ok(paymentIntentSucceeded({ id: pi, amount: 400, metadata: { hive_user_id: u.user.id }, basil: true }))).toBe('credited');
    const inv = invoicePaidBasil({ amount: 400, customer: null, subscriptionMetadata: { hive_user_id: u.user.id } });
    stripe.invoicePayments.set(String(inv.data.object.id), [pi]);
    expect(await ok(inv)).toBe('already_credited');
    expect(await balanceOf(t, u.user.id)).toBe(400);
  });

  it('answers 503 while Stripe cannot list the payments, writing nothing; the retry credits', async () => {
    const u = await createTestUser(t, 'viewer');
    const pi = newId('pi');
    const inv = invoicePaidBasil({ amount: 300, customer: null, subscriptionMetadata: { hive_user_id: u.user.id } });
    stripe.invoicePayments.set(String(inv.data.object.id), [pi]);
    stripe.failInvoicePayments.on = true;
    try {
      const before = await billingFootprint(t);
      const res = await deliver(t, inv);
      expect(res.statusCode, res.body).toBe(503);
      expect(res.json().error.code).toBe('STRIPE_API_UNAVAILABLE');
      expect(await billingFootprint(t)).toEqual(before);
    } finally {
      stripe.failInvoicePayments.on = false;
    }
    expect(await ok(inv)).toBe('credited');
    expect(await balanceOf(t, u.user.id)).toBe(300);
  }, 60_000);

  it('does not call Stripe when the event lists its payments, nor for an invoice with no PaymentIntent', async () => {
    const u = await createTestUser(t, 'viewer');
    const listed = invoicePaidBasil({ amount: 100, customer: null, payments: [newId('pi')], subscriptionMetadata: { hive_user_id: u.user.id } });
    expect(await ok(listed)).toBe('credited');
    expect(lookups(String(listed.data.object.id))).toHaveLength(0);
    // Stripe knows no PaymentIntent for it (paid out of band): not credited, nothing to claim.
    const none = invoicePaidBasil({ amount: 100, customer: null, subscriptionMetadata: { hive_user_id: u.user.id } });
    expect(await ok(none)).toBe('ignored_payment_unknown');
    expect(await balanceOf(t, u.user.id)).toBe(100);
  });
});
