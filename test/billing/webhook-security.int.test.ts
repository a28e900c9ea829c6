// POST /api/webhooks/stripe refuses anything not signed by Stripe for these exact bytes within
// 300 s — 400 and nothing written (no ledger, wallet, unresolved or audit row, no Kv hint) —
// and answers 503 stripe_webhooks_not_configured without STRIPE_WEBHOOK_SECRET.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser } from '../helpers/identity.js';
import { billingFootprint, deliver, event, paymentIntentSucceeded, sign, WEBHOOK_SECRET } from './stripe-events.js';

let t: TestApp;
let userId: string;

beforeAll(async () => {
  t = await createTestApp({ env: { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET } });
  userId = (await createTestUser(t, 'viewer')).user.id;
}, 60_000);
afterAll(async () => {
  await t?.close();
});

async function expectRefused(res: { statusCode: number; json(): { error: { code: string } } }, code: string, eventId: string) {
  expect(res.statusCode).toBe(400);
  expect(res.json().error.code).toBe(code);
  expect(await billingFootprint(t)).toEqual({ ledger: 0, unresolved: 0, wallets: 0, audit: 0 });
  expect(await t.kv.get(`stripe:webhook:event:${eventId}`)).toBeNull();
}

describe('Stripe webhook verification', () => {
  const ev = () => paymentIntentSucceeded({ amount: 1000, metadata: { hive_user_id: userId } });

  it('refuses a signature made with another secret', async () => {
    const e = ev();
    await expectRefused(await deliver(t, e, { secret: 'whsec_not_the_right_secret_0123456789abcdef' }), 'STRIPE_SIGNATURE_INVALID', e.id);
  });

  it('refuses a garbage signature header', async () => {
    const e = ev();
    await expectRefused(await deliver(t, e, { signature: 't=123,v1=deadbeef' }), 'STRIPE_SIGNATURE_INVALID', e.id);
  });

  it('refuses a stale timestamp (older than 300 s), even correctly signed', async () => {
    const e = ev();
    await expectRefused(await deliver(t, e, { timestamp: Math.floor(Date.now() / 1000) - 301 }), 'STRIPE_SIGNATURE_INVALID', e.id);
  });

  it('refuses a timestamp far in the future', async () => {
    const e = ev();
    await expectRefused(await deliver(t, e, { timestamp: Math.floor(Date.now() / 1000) + 3600 }), 'STRIPE_SIGNATURE_INVALID', e.id);
  });

  it('refuses a body altered after signing (amount raised)', async () => {
    const e = ev();
    const payload = JSON.stringify(e);
    const altered = payload.replace('"amount_received":1000', '"amount_received":100000');
    expect(altered).not.toBe(payload);
    await expectRefused(await deliver(t, e, { signature: sign(payload), body: altered }), 'STRIPE_SIGNATURE_INVALID', e.id);
  });

  it('refuses a body re-serialised (whitespace only) after signing: the raw bytes are verified', async () => {
    const e = ev();
    const payload = JSON.stringify(e);
    await expectRefused(await deliver(t, e, { signature: sign(payload), body: JSON.stringify(e, null, 1) }), 'STRIPE_SIGNATURE_INVALID', e.id);
  });

  it('refuses a missing Stripe-Signature header', async () => {
    const e = ev();
    await expectRefused(await deliver(t, e, { signature: null }), 'STRIPE_SIGNATURE_MISSING', e.id);
  });

  it('refuses an oversized body with 400, signed or not', async () => {
    const e = ev();
    (e.data.object as Record<string, unknown>).padding = 'x'.repeat(300 * 1024);
    await expectRefused(await deliver(t, e), 'STRIPE_PAYLOAD_TOO_LARGE', e.id);
  });

  it('refuses an empty body', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/webhooks/stripe', headers: { 'stripe-signature': sign('') } });
    expect(res.statusCode).toBe(400);
    expect(await billingFootprint(t)).toEqual({ ledger: 0, unresolved: 0, wallets: 0, audit: 0 });
  });

  it('accepts the same event correctly signed (control), whatever the content type', async () => {
    const e = ev();
    const payload = JSON.stringify(e);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/webhooks/stripe',
      headers: { 'content-type': 'text/plain', 'stripe-signature': sign(payload) },
      payload,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: true, outcome: 'credited' });
    expect((await billingFootprint(t)).ledger).toBe(1);
  });

  it('answers 200 to a verified event of a type it does not handle, and writes nothing', async () => {
    const before = await billingFootprint(t);
    const res = await deliver(t, event('customer.updated', { id: 'cus_x', object: 'customer' }));
    expect(res.statusCode).toBe(200);
    expect(res.json().outcome).toBe('ignored_type');
    expect(await billingFootprint(t)).toEqual(before);
  });
});

describe('without STRIPE_WEBHOOK_SECRET', () => {
  it('answers 503 stripe_webhooks_not_configured and writes nothing', async () => {
    const off = await createTestApp({ database: t.database, kv: t.kv });
    try {
      const before = await billingFootprint(t);
      const e = paymentIntentSucceeded({ amount: 500, metadata: { hive_user_id: userId } });
      const res = await deliver(off, e);
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('stripe_webhooks_not_configured');
      expect(await billingFootprint(t)).toEqual(before);
    } finally {
      await off.close();
    }
  });
});
