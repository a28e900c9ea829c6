// The admin pages in a real browser: billing administration (balances, per-user limits, Stripe
// events assigned or dismissed), the usage report, the agent edit form and the push-delivery log.
// Data comes from the API: signed Stripe webhooks, and a managed agent chatting with the local
// OpenAI-compatible fixture (which meters usage).
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import type { Browser, Page } from 'playwright-core';
import { startOpenAiFixture, type FixtureServer } from '../fixtures/openai-server/index.js';
import { chromiumAvailable, launchBrowser, openPage, overflowingElements, screenshot, signInFirstAdmin, startPilox, webBuilt, type PiloxProcess, type WatchedPage } from './harness.js';

const skip = !chromiumAvailable || !webBuilt || inject('pgAdminUrl') !== null;
const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('hex')}`;
const rid = (p: string) => `${p}_${randomBytes(10).toString('hex')}`;

describe.skipIf(skip)('dashboard admin pages (embedded pass)', () => {
  let llm: FixtureServer;
  let pilox: PiloxProcess;
  let browser: Browser;
  let w: WatchedPage;
  let page: Page;
  let agentId = '';
  const events: string[] = [];

  /** The API with the page's session (same origin, so the CSRF check sees our Origin). */
  const call = async <T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> =>
    page.evaluate(
      async ([m, p, b]) => {
        const res = await fetch(p as string, { method: m as string, headers: b === undefined ? {} : { 'content-type': 'application/json' }, body: b === undefined ? undefined : JSON.stringify(b) });
        const text = await res.text();
        let parsed: unknown = text;
        try { parsed = JSON.parse(text); } catch { /* SSE or empty */ }
        return { status: res.status, body: parsed as T };
      },
      [method, path, body] as const,
    );

  const deliver = async (object: Record<string, unknown>) => {
    const id = rid('evt');
    const payload = JSON.stringify({ id, object: 'event', type: 'payment_intent.succeeded', api_version: '2025-01-27.acacia', created: Math.floor(Date.now() / 1000), livemode: false, data: { object } });
    const res = await fetch(`${pilox.url}/api/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }) },
      body: payload,
    });
    expect(res.status).toBeLessThan(300);
    return id;
  };

  beforeAll(async () => {
    llm = await startOpenAiFixture({ apiKey: 'sk-fixture', models: ['fixture-small'] });
    pilox = await startPilox({
      HIVE_EGRESS_FETCH_HOST_ALLOWLIST: '127.0.0.1',
      HIVE_EGRESS_FETCH_ALLOWED_PORTS: String(llm.port),
      STRIPE_SECRET_KEY: 'sk_test_e2e',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    });
    browser = await launchBrowser();
    w = await openPage(browser);
    page = w.page;
    await signInFirstAdmin(pilox, w.context);
    await page.goto(`${pilox.url}/agents`);
    const me = await call<{ user: { id: string } }>('GET', '/api/auth/me');
    const userId = me.body.user.id;

    // Money: one payment for the admin's wallet, two that match no user.
    await deliver({ id: rid('pi'), object: 'payment_intent', amount: 500, amount_received: 500, currency: 'usd', customer: null, invoice: null, metadata: { hive_user_id: userId }, status: 'succeeded' });
    for (let i = 0; i < 2; i++) {
      events.push(await deliver({ id: rid('pi'), object: 'payment_intent', amount: 700 + i, amount_received: 700 + i, currency: 'usd', customer: `cus_unknown${i}`, invoice: null, metadata: {}, status: 'succeeded' }));
    }

    // Usage: a managed agent answering once through the fixture.
    const provider = await call('POST', '/api/settings/llm-providers', { name: 'fixture', type: 'openai', baseUrl: llm.url, apiKey: 'sk-fixture', models: [{ id: 'fixture-small', inputPerMillion: 1, outputPerMillion: 4 }] });
    expect(provider.status, JSON.stringify(provider.body)).toBe(201);
    const created = await call<{ id: string }>('POST', '/api/agents', { slug: 'editable', name: 'Editable', kind: 'managed', runtime: 'sandbox', managed: { model: 'fixture-small', systemPrompt: 'Answer briefly.' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    agentId = created.body.id;
    const started = await call('POST', `/api/agents/${agentId}/start`);
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const chat = await call<string>('POST', `/api/agents/${agentId}/chat`, { message: 'hello usage' });
    expect(chat.status, String(chat.body)).toBe(200);
  }, 180_000);
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') await screenshot(page, `FAILED-admin-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}`);
  });
  afterAll(async () => {
    await w?.context.close();
    await browser?.close();
    await pilox?.stop();
    await llm?.close();
  });

  it('billing admin: balances, a user limit, an event assigned and one dismissed', async () => {
    await page.goto(`${pilox.url}/agents`);
    await page.getByRole('navigation').getByRole('link', { name: 'Billing admin' }).first().click();
    await page.waitForURL(/\/admin\/billing$/);
    const balances = page.getByRole('table', { name: 'Balances' });
    await balances.getByText('admin@example.com').waitFor();
    await balances.getByText('5.00').waitFor();
    const unresolved = page.getByRole('table', { name: 'Unresolved Stripe events' });
    await unresolved.getByText(events[0]!).waitFor();
    await unresolved.getByText(events[1]!).waitFor();
    await screenshot(page, 'admin-billing-1280');

    await balances.getByRole('button', { name: 'Edit limits' }).click();
    await page.getByLabel('Monthly limit (USD)').fill('30');
    await page.getByLabel('Hard stop').check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await balances.getByText('30.00').waitFor();
    expect((await call<{ monthlySpendLimitMinor: number; hardStop: boolean }>('GET', '/api/billing/limits')).body).toMatchObject({ monthlySpendLimitMinor: 3000, hardStop: true });

    await page.getByLabel(`User for ${events[0]}`).selectOption({ label: 'admin@example.com' });
    await unresolved.getByRole('row').filter({ hasText: events[0]! }).getByRole('button', { name: 'Assign' }).click();
    await unresolved.getByText(events[0]!).waitFor({ state: 'detached' });
    await balances.getByText('12.00').waitFor(); // 5.00 + the assigned 7.00
    await unresolved.getByRole('row').filter({ hasText: events[1]! }).getByRole('button', { name: 'Dismiss' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Dismiss' }).click();
    await page.getByText('No open events').waitFor();
    await page.getByLabel('Status', { exact: true }).selectOption('');
    await unresolved.getByText('assigned', { exact: true }).waitFor();
    await unresolved.getByText('dismissed', { exact: true }).waitFor();
    await screenshot(page, 'admin-billing-resolved');
    expect(w.errors).toEqual([]);
  });

  it('usage report: grouped by day, agent and model', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Usage' }).first().click();
    await page.waitForURL(/\/usage$/);
    const table = page.getByRole('table', { name: 'Usage' });
    await table.getByText(new Date().toISOString().slice(0, 10)).waitFor();
    await page.getByRole('img', { name: 'Tokens per day' }).waitFor();
    await page.getByLabel('Group by').selectOption('agent');
    await table.getByText('Editable').waitFor();
    await page.getByLabel('Group by').selectOption('model');
    await table.getByText('fixture-small').waitFor();
    await page.getByLabel('All users').check();
    await table.getByText('fixture-small').waitFor();
    await screenshot(page, 'admin-usage-1280');
    expect(w.errors).toEqual([]);
  });

  it('agent edit: name, system prompt, temperature, env and restart policy', async () => {
    await page.goto(`${pilox.url}/agents/${agentId}`);
    await page.getByRole('tab', { name: 'Edit' }).click();
    const form = page.getByRole('form', { name: 'Edit agent' });
    await form.getByLabel('Name', { exact: true }).fill('Edited agent');
    await form.getByLabel('System prompt').fill('Answer in French.');
    await form.getByLabel('Temperature').fill('0.3');
    await form.getByLabel('Restart policy').selectOption('always');
    await form.getByLabel('Environment').fill('GREETING=bonjour');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await form.getByText('Saved.').waitFor();
    await page.getByRole('heading', { name: 'Edited agent' }).waitFor();
    await screenshot(page, 'admin-agent-edit');
    const a = await call<{ name: string; restartPolicy: string; env: Record<string, string>; managed: { systemPrompt: string; temperature: number; model: string } }>('GET', `/api/agents/${agentId}`);
    expect(a.body).toMatchObject({ name: 'Edited agent', restartPolicy: 'always', env: { GREETING: 'bonjour' }, managed: { model: 'fixture-small', systemPrompt: 'Answer in French.', temperature: 0.3 } });
    // A value the API refuses shows its message in place.
    await form.getByLabel('Environment').fill('PILOX_X=1');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await form.getByRole('alert').waitFor();
    expect(w.errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    w.errors.length = 0;
  });

  it('push deliveries: the log renders (empty without push clients)', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Push deliveries' }).first().click();
    await page.waitForURL(/\/push-deliveries$/);
    await page.getByText('No deliveries').waitFor();
    await screenshot(page, 'admin-deliveries');
    expect(w.errors).toEqual([]);
  });

  it('every new page fits 390 px in the dark theme', async () => {
    const narrow = await openPage(browser, { width: 390, height: 844, colorScheme: 'dark' });
    await narrow.context.addCookies(await w.context.cookies());
    for (const [path, ready] of [['/admin/billing', 'Balances'], ['/usage', 'Usage'], [`/agents/${agentId}`, 'Edited agent'], ['/push-deliveries', 'Deliveries']] as const) {
      await narrow.page.goto(`${pilox.url}${path}`);
      await narrow.page.getByRole('heading', { name: ready }).first().waitFor();
      await screenshot(narrow.page, `admin-390-${path.split('/')[1]}-${path.split('/')[2] ?? ''}`.replace(/-$/, ''));
      expect(await overflowingElements(narrow.page), path).toEqual([]);
    }
    expect(narrow.errors).toEqual([]);
    await narrow.context.close();
  });
});
