// The journey of issue #10 in a real browser, against a local OpenAI-compatible fixture:
// fresh instance → wizard with the LLM provider step (test connection) → managed agent created
// and started → chat with a streamed reply and token counts → stop a slow reply → usage chart.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startOpenAiFixture, type FixtureServer } from '../fixtures/openai-server/index.js';
import { chromiumAvailable, launchBrowser, openPage, overflowingElements, screenshot, startPilox, webBuilt, type PiloxProcess, type WatchedPage } from './harness.js';

const skip = !chromiumAvailable || !webBuilt || inject('pgAdminUrl') !== null;

describe.skipIf(skip)('dashboard journey: provider, managed agent, chat (embedded pass)', () => {
  let llm: FixtureServer;
  let pilox: PiloxProcess;
  let browser: Browser;
  let w: WatchedPage;
  let page: Page;
  let agentPath = '';

  beforeAll(async () => {
    llm = await startOpenAiFixture({ apiKey: 'sk-fixture', models: ['fixture-small', 'fixture-large'], slowChunkMs: 400 });
    // The fixture listens on loopback: allowlist it as an operator would an internal server.
    pilox = await startPilox({ HIVE_EGRESS_FETCH_HOST_ALLOWLIST: '127.0.0.1', HIVE_EGRESS_FETCH_ALLOWED_PORTS: String(llm.port) });
    browser = await launchBrowser();
    w = await openPage(browser);
    page = w.page;
  }, 120_000);
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') await screenshot(page, `FAILED-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}`);
  });
  afterAll(async () => {
    await w?.context.close();
    await browser?.close();
    await pilox?.stop();
    await llm?.close();
  });

  it('sets up the instance with a default provider and tests the connection', async () => {
    await page.goto(`${pilox.url}/`);
    await page.waitForURL(/\/setup$/);
    await page.getByLabel('Setup token').fill(pilox.setupToken!);
    await page.getByLabel('Your name').fill('Ada');
    await page.getByLabel('Email').fill('ada@example.com');
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery staple');
    await page.getByLabel('Confirm password').fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.getByRole('button', { name: 'Skip' }).click();
    await page.getByRole('heading', { name: 'Connect a model provider' }).waitFor();
    await page.getByLabel('Provider name').fill('Fixture');
    await page.getByLabel('Base URL').fill(llm.url);
    await page.getByLabel('API key').fill('sk-fixture');
    await page.getByLabel('Model prices').fill('fixture-small 1 2');
    await screenshot(page, 'setup-3-provider');
    await page.getByRole('button', { name: 'Save provider' }).click();
    await page.getByText('Fixture is the default provider.').waitFor();
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText(/Connected in \d+ ms · 2 models available/).waitFor();
    await screenshot(page, 'setup-3-provider-tested');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'All set' }).waitFor();
    await page.getByRole('button', { name: 'Open the console' }).click();
    await page.waitForURL(/\/agents$/);

    await page.goto(`${pilox.url}/settings/providers`);
    await page.getByText('Fixture').first().waitFor();
    await screenshot(page, 'providers-1280');
  });

  it('creates and starts a managed agent', async () => {
    await page.goto(`${pilox.url}/agents/new`);
    const form = page.getByRole('tabpanel');
    await form.getByLabel('Name').fill('Helper');
    await form.getByLabel('Model').fill('fixture-small');
    await form.getByLabel('Runtime').selectOption('process');
    await form.getByRole('button', { name: 'Create managed agent' }).click();
    await page.waitForURL(/\/agents\/[0-9a-f-]{36}$/);
    agentPath = new URL(page.url()).pathname;
    await page.getByRole('button', { name: 'Start Helper' }).click();
    await page.getByRole('heading', { level: 1 }).getByText('ready').waitFor({ timeout: 60_000 });
    await screenshot(page, 'agent-managed-ready');
  }, 90_000);

  it('chats with the agent: streamed reply, token counts, stop', async () => {
    await page.getByRole('link', { name: 'Chat' }).click();
    await page.getByText('Say hello').waitFor();
    await page.getByRole('textbox', { name: 'Message' }).fill('hello there');
    await page.getByRole('button', { name: 'Send' }).click();
    const messages = page.getByTestId('chat-messages');
    await messages.getByText('Echo: hello there').waitFor({ timeout: 30_000 });
    // Once stored, the answer carries its model and token counts.
    await messages.getByText(/in · \d+ out tokens/).waitFor({ timeout: 30_000 });
    await page.getByRole('complementary', { name: 'Conversations' }).getByText('hello there').waitFor();
    await screenshot(page, 'chat-1280');

    // A slow reply can be stopped; the Send button comes back.
    await page.getByRole('textbox', { name: 'Message' }).fill('[slow] [long] tell me everything');
    await page.getByRole('button', { name: 'Send' }).click();
    await messages.getByText('word3').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('button', { name: 'Send' }).waitFor();
    expect(w.errors).toEqual([]);
  }, 90_000);

  it('shows the usage of the agent and renders chat at 390 px', async () => {
    await page.goto(`${pilox.url}${agentPath}`);
    await page.getByRole('img', { name: /Tokens per day/ }).waitFor({ timeout: 30_000 });
    await screenshot(page, 'agent-usage');
    const phone = await openPage(browser, { width: 390, height: 844, colorScheme: 'dark' });
    await phone.context.addCookies(await w.context.cookies());
    await phone.page.goto(`${pilox.url}${agentPath}/chat`);
    await phone.page.getByRole('complementary', { name: 'Conversations' }).getByText('hello there').click();
    await phone.page.getByText('Echo: hello there').waitFor();
    expect(await overflowingElements(phone.page)).toEqual([]);
    await screenshot(phone.page, 'chat-390-dark');
    expect(phone.errors).toEqual([]);
    await phone.context.close();
    expect(w.errors).toEqual([]);
  }, 90_000);
});
