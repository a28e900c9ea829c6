// Checkout and Customer Portal through the official stripe client pointed at STRIPE_API_BASE
// (test/fixtures/stripe-api), and the wallet's stripe flags.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser, loginCookie, originOf, type TestUser } from '../helpers/identity.js';
import { startStripeApiFixture, type StripeApiFixture } from '../fixtures/stripe-api/server.js';
import { checkoutCompleted, deliver, newId, WEBHOOK_SECRET } from './stripe-events.js';

const SECRET_KEY = 'sk_test_pilox_fixture_0123456789';
let stripe: StripeApiFixture;
let t: TestApp;
let u: TestUser;

beforeAll(async () => {
  stripe = await startStripeApiFixture();
  t = await createTestApp({
    env: { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_SECRET_KEY: SECRET_KEY, STRIPE_API_BASE: stripe.url, STRIPE_SUBSCRIPTION_PRICE_ID: 'price_default123' },
  });
  u = await createTestUser(t, 'viewer');
}, 60_000);
afterAll(async () => {
  await t?.close();
  await stripe?.close();
});

const post = (url: string, payload: object, headers: Record<string, string> = u.headers) => t.app.inject({ method: 'POST', url, headers, payload });

describe('Checkout', () => {
  it('creates a one-time payment session carrying metadata.hive_user_id (default mode payment)', async () => {
    const res = await post('/api/billing/stripe/checkout-session', { amountMinor: 1000, currency: 'usd' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['mode', 'sessionId', 'url']);
    expect(body.mode).toBe('payment');
    expect(body.sessionId).toMatch(/^cs_test_/);
    expect(body.url).toMatch(/^https:\/\/checkout\.stripe\.test\//);
    const sent = stripe.requests.at(-1)!;
    expect(sent.path).toBe('/v1/checkout/sessions');
    expect(sent.authorization).toBe(`Bearer ${SECRET_KEY}`);
    expect(sent.params).toMatchObject({
      mode: 'payment',
      'metadata[hive_user_id]': u.user.id,
      'payment_intent_data[metadata][hive_user_id]': u.user.id,
      'line_items[0][price_data][unit_amount]': '1000',
      'line_items[0][price_data][currency]': 'usd',
      customer_creation: 'always',
      client_reference_id: u.user.id,
    });
    expect(sent.params.success_url).toMatch(/^http:\/\/localhost:8080\/billing\?checkout=success/);
  });

  it('creates a subscription session with STRIPE_SUBSCRIPTION_PRICE_ID or the given priceId', async () => {
    const def = await post('/api/billing/stripe/checkout-session', { mode: 'subscription' });
    expect(def.statusCode, def.body).toBe(200);
    expect(def.json().mode).toBe('subscription');
    expect(stripe.requests.at(-1)!.params).toMatchObject({ 'line_items[0][price]': 'price_default123', 'subscription_data[metadata][hive_user_id]': u.user.id });
    await post('/api/billing/stripe/checkout-session', { mode: 'subscription', priceId: 'price_other456' });
    expect(stripe.requests.at(-1)!.params['line_items[0][price]']).toBe('price_other456');
  });

  it('refuses bad input before calling Stripe', async () => {
    const n = stripe.requests.length;
    expect((await post('/api/billing/stripe/checkout-session', { amountMinor: 1000, currency: 'eur' })).json().error.code).toBe('BILLING_CURRENCY_MISMATCH');
    expect((await post('/api/billing/stripe/checkout-session', { mode: 'payment' })).statusCode).toBe(400);
    expect((await post('/api/billing/stripe/checkout-session', { amountMinor: 10 })).statusCode).toBe(400);
    expect((await post('/api/billing/stripe/checkout-session', { amountMinor: 1000, extra: 1 })).statusCode).toBe(400);
    expect(stripe.requests.length).toBe(n);
  });

  it('works with a session cookie from the dashboard origin', async () => {
    const cookie = await loginCookie(t, u.email, u.password);
    const res = await post('/api/billing/stripe/checkout-session', { amountMinor: 500 }, { cookie, ...originOf(t) });
    expect(res.statusCode, res.body).toBe(200);
  });
});

describe('Customer Portal', () => {
  it('answers 409 until a Checkout linked a customer, then returns the portal URL', async () => {
    const v = await createTestUser(t, 'viewer');
    const before = await post('/api/billing/stripe/customer-portal', {}, v.headers);
    expect(before.statusCode).toBe(409);
    expect(before.json().error.code).toBe('BILLING_NO_STRIPE_CUSTOMER');
    let w = (await t.app.inject({ method: 'GET', url: '/api/billing/wallet', headers: v.headers })).json();
    expect(w.stripe).toEqual({ checkoutEnabled: true, customerPortalEnabled: false, subscriptionCheckoutEnabled: true });

    const customer = newId('cus');
    expect((await deliver(t, checkoutCompleted({ customer, metadata: { hive_user_id: v.user.id } }))).json().outcome).toBe('customer_linked');
    w = (await t.app.inject({ method: 'GET', url: '/api/billing/wallet', headers: v.headers })).json();
    expect(w.stripe.customerPortalEnabled).toBe(true);

    const res = await post('/api/billing/stripe/customer-portal', {}, v.headers);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().url).toMatch(/^https:\/\/billing\.stripe\.test\//);
    expect(stripe.requests.at(-1)!.params).toMatchObject({ customer, return_url: 'http://localhost:8080/billing' });
    // Later checkouts reuse the customer instead of creating another.
    await post('/api/billing/stripe/checkout-session', { amountMinor: 1000 }, v.headers);
    expect(stripe.requests.at(-1)!.params.customer).toBe(customer);

    stripe.portalDisabledFor.add(customer);
    const refused = await post('/api/billing/stripe/customer-portal', {}, v.headers);
    expect(refused.statusCode).toBe(502);
    expect(refused.json().error.code).toBe('STRIPE_API_ERROR');
  });
});

describe('OpenAPI', () => {
  it('describes every billing route', async () => {
    const paths = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json().paths;
    for (const [path, method] of [
      ['/api/webhooks/stripe', 'post'],
      ['/api/billing/wallet', 'get'],
      ['/api/billing/ledger', 'get'],
      ['/api/billing/limits', 'put'],
      ['/api/billing/stripe/checkout-session', 'post'],
      ['/api/billing/stripe/customer-portal', 'post'],
      ['/api/billing/admin/balances', 'get'],
      ['/api/billing/admin/unresolved-events', 'get'],
      ['/api/billing/admin/unresolved-events/{eventId}/assign', 'post'],
    ] as const) {
      expect(paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
  });
});

describe('without STRIPE_SECRET_KEY', () => {
  it('answers 503 STRIPE_NOT_CONFIGURED and reports checkout as disabled', async () => {
    const off = await createTestApp({ database: t.database, kv: t.kv });
    try {
      const res = await off.app.inject({ method: 'POST', url: '/api/billing/stripe/checkout-session', headers: u.headers, payload: { amountMinor: 1000 } });
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('STRIPE_NOT_CONFIGURED');
      const w = (await off.app.inject({ method: 'GET', url: '/api/billing/wallet', headers: u.headers })).json();
      expect(w.stripe).toEqual({ checkoutEnabled: false, customerPortalEnabled: false, subscriptionCheckoutEnabled: false });
    } finally {
      await off.close();
    }
  });
});
