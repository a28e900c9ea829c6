// Billing in the browser against a local Stripe API stand-in: wallet credited by signed
// webhooks, ledger pagination, top-up through Checkout, spending limit, Customer Portal.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import type { Browser, Page } from 'playwright-core';
import { startStripeApiFixture, type StripeApiFixture } from '../fixtures/stripe-api/server.js';
import { chromiumAvailable, launchBrowser, openPage, overflowingElements, screenshot, signInFirstAdmin, startPilox, webBuilt, type PiloxProcess, type WatchedPage } from './harness.js';

const skip = !chromiumAvailable || !webBuilt || inject('pgAdminUrl') !== null;
const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('hex')}`;
const id = (p: string) => `${p}_${randomBytes(10).toString('hex')}`;

describe.skipIf(skip)('dashboard billing (embedded pass)', () => {
  let stripe: StripeApiFixture;
  let pilox: PiloxProcess;
  let browser: Browser;
  let w: WatchedPage;
  let page: Page;
  let userId = '';

  const deliver = async (type: string, object: Record<string, unknown>) => {
    const payload = JSON.stringify({ id: id('evt'), object: 'event', type, api_version: '2025-01-27.acacia', created: Math.floor(Date.now() / 1000), livemode: false, data: { object } });
    const res = await fetch(`${pilox.url}/api/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }) },
      body: payload,
    });
    expect(res.status).toBeLessThan(300);
  };

  beforeAll(async () => {
    stripe = await startStripeApiFixture();
    pilox = await startPilox({ STRIPE_SECRET_KEY: 'sk_test_e2e', STRIPE_API_BASE: stripe.url, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET });
    browser = await launchBrowser();
    w = await openPage(browser);
    page = w.page;
    await signInFirstAdmin(pilox, w.context);
    // Stripe's pages are not reachable from the test: answer them locally.
    await w.context.route('https://*.stripe.test/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<title>Stripe stand-in</title>' }));
  }, 120_000);
  afterAll(async () => {
    await w?.context.close();
    await browser?.close();
    await pilox?.stop();
    await stripe?.close();
  });

  it('shows an empty wallet, then credits and a paginated ledger', async () => {
    await page.goto(`${pilox.url}/billing`);
    await page.getByText('No movements yet').waitFor();
    await screenshot(page, 'billing-empty');
    userId = await page.evaluate<string>("fetch('/api/auth/me').then((r) => r.json()).then((b) => b.user.id)");
    for (let i = 0; i < 22; i++) {
      await deliver('payment_intent.succeeded', { id: id('pi'), object: 'payment_intent', amount: 100, amount_received: 100, currency: 'usd', customer: null, invoice: null, metadata: { hive_user_id: userId }, status: 'succeeded' });
    }
    await page.reload();
    await page.getByTestId('wallet-balance').getByText('22.00').waitFor();
    await page.getByText('1–20 of 22').waitFor();
    await screenshot(page, 'billing-1280');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('21–22 of 22').waitFor();
    expect(await page.getByRole('table', { name: 'Ledger' }).getByRole('row').count()).toBe(3);
  });

  it('sets a spending limit and tops up through Checkout', async () => {
    await page.getByLabel('Monthly limit (USD)').fill('50');
    await page.getByLabel('Hard stop: refuse model calls while the wallet is empty').check();
    await page.getByRole('button', { name: 'Save limit' }).click();
    await page.getByText('Saved.').waitFor();
    await page.getByLabel('Top up (USD)').fill('15');
    await page.getByRole('button', { name: 'Pay with Stripe' }).click();
    await page.waitForURL(/checkout\.stripe\.test/);
    const sent = stripe.requests.find((r) => r.path === '/v1/checkout/sessions');
    expect(sent?.params['line_items[0][price_data][unit_amount]']).toBe('1500');
  });

  it('opens the Customer Portal once Checkout linked a customer', async () => {
    await deliver('checkout.session.completed', { id: id('cs'), object: 'checkout.session', mode: 'payment', customer: 'cus_e2e', metadata: { hive_user_id: userId }, payment_status: 'paid' });
    await page.goto(`${pilox.url}/billing?checkout=success`);
    await page.getByText('Payment received').waitFor();
    await page.getByRole('button', { name: 'Manage billing (Stripe)' }).click();
    await page.waitForURL(/stripe\.test/);
    expect(stripe.requests.some((r) => r.path === '/v1/billing_portal/sessions')).toBe(true);
    expect(w.errors).toEqual([]);
  });

  it('renders at 390 px in the dark theme', async () => {
    const phone = await openPage(browser, { width: 390, height: 844, colorScheme: 'dark' });
    await phone.context.addCookies(await w.context.cookies());
    await phone.page.goto(`${pilox.url}/billing`);
    await phone.page.getByText('1–20 of 22').waitFor();
    expect(await overflowingElements(phone.page)).toEqual([]);
    await screenshot(phone.page, 'billing-390-dark');
    expect(phone.errors).toEqual([]);
    await phone.context.close();
  });
});
