// Agents in the browser: upload the echo package agent, start it, watch its status, logs and
// stats, pause/resume/stop it; a managed agent is created, and an import from a blocked
// address shows the API's error. Screenshots at 1280 px and 390 px (dark); no console errors.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import type { Browser, Page } from 'playwright-core';
import { packageRoot } from '../../src/lib/paths.js';
import {
  chromiumAvailable,
  launchBrowser,
  openPage,
  overflowingElements,
  screenshot,
  signInFirstAdmin,
  startPilox,
  webBuilt,
  type PiloxProcess,
  type WatchedPage,
} from './harness.js';

const skip = !chromiumAvailable || !webBuilt || inject('pgAdminUrl') !== null;

describe.skipIf(skip)('dashboard agents (needs /usr/bin/chromium and `npm run build`; runs in the embedded pass)', () => {
  let pilox: PiloxProcess;
  let browser: Browser;
  let w: WatchedPage;
  let page: Page;
  let tmp: string;
  let agentUrl = '';

  beforeAll(async () => {
    pilox = await startPilox();
    browser = await launchBrowser();
    w = await openPage(browser);
    page = w.page;
    await signInFirstAdmin(pilox, w.context);
    tmp = mkdtempSync(join(tmpdir(), 'pilox-e2e-pkg-'));
    const archive = join(tmp, 'echo-agent.tgz');
    await tar.c({ gzip: true, cwd: join(packageRoot, 'test/fixtures/echo-agent'), portable: true, file: archive }, ['package.json', 'server.mjs']);
    writeFileSync(join(tmp, 'ok'), '');
  }, 120_000);
  afterAll(async () => {
    await w?.context.close();
    await browser?.close();
    await pilox?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('creates a package agent by upload and runs it through its lifecycle', async () => {
    await page.goto(`${pilox.url}/`);
    await page.waitForURL(/\/agents$/);
    await page.getByText('No agents yet').waitFor();
    await screenshot(page, 'agents-empty');

    await page.getByRole('link', { name: 'New agent' }).first().click();
    await page.getByRole('tab', { name: 'Package upload' }).click();
    const form = page.getByRole('tabpanel');
    await form.getByLabel('Name').fill('Echo agent');
    expect(await form.getByLabel('Slug').inputValue()).toBe('echo-agent');
    await form.getByLabel('Runtime').selectOption('process');
    await form.getByLabel('Package (.tar.gz)').setInputFiles(join(tmp, 'echo-agent.tgz'));
    await screenshot(page, 'agents-new-package');
    await form.getByRole('button', { name: 'Create and upload' }).click();
    await page.waitForURL(/\/agents\/[0-9a-f-]{36}$/);
    agentUrl = page.url();
    await page.getByRole('heading', { name: /Echo agent/ }).waitFor();
    await page.getByText('/a2a/agents/echo-agent/.well-known/agent-card.json').waitFor();

    await page.getByRole('button', { name: 'Start Echo agent' }).click();
    await page.getByRole('heading', { level: 1 }).getByText('ready').waitFor({ timeout: 40_000 });
    await page.getByText('Processes', { exact: true }).waitFor();
    await page.getByRole('tab', { name: 'Logs' }).click();
    await page.getByTestId('agent-logs').getByText('echo-agent listening').waitFor({ timeout: 20_000 });
    await screenshot(page, 'agent-logs');
    await page.getByRole('tab', { name: 'Overview' }).click();
    await page.getByText('Memory', { exact: true }).waitFor();
    await screenshot(page, 'agent-detail');

    await page.getByRole('button', { name: 'Pause Echo agent' }).click();
    await page.getByRole('heading', { level: 1 }).getByText('paused').waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Resume Echo agent' }).click();
    await page.getByRole('heading', { level: 1 }).getByText('ready').waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Stop Echo agent' }).click();
    await page.getByRole('heading', { level: 1 }).getByText('stopped').waitFor({ timeout: 20_000 });

    await page.getByRole('link', { name: 'Agents', exact: true }).first().click();
    await page.getByRole('table', { name: 'Agents' }).getByText('stopped').waitFor();
    await page.getByRole('button', { name: 'Start Echo agent' }).click();
    // The list follows the status without a reload.
    await page.getByRole('table', { name: 'Agents' }).getByText('ready').waitFor({ timeout: 40_000 });
    await screenshot(page, 'agents-1280');
    expect(w.errors).toEqual([]);
  });

  it('creates a managed agent, and shows the API error of a blocked import', async () => {
    await page.goto(`${pilox.url}/agents/new`);
    const form = page.getByRole('tabpanel');
    await form.getByLabel('Name').fill('Helper');
    await form.getByLabel('Model').fill('gpt-4o-mini');
    await form.getByLabel('Runtime').selectOption('process');
    await form.getByRole('button', { name: 'Add tool' }).click();
    await form.getByLabel('Tool 1 name').fill('search');
    await form.getByLabel('Tool 1 URL').fill('https://mcp.example.com/mcp');
    await screenshot(page, 'agents-new-managed');
    await form.getByRole('button', { name: 'Create managed agent' }).click();
    await page.waitForURL(/\/agents\/[0-9a-f-]{36}$/);
    await page.getByText('gpt-4o-mini').waitFor();

    await page.goto(`${pilox.url}/agents/new`);
    await page.getByRole('tab', { name: 'Container image' }).click();
    await page.getByRole('tabpanel').getByLabel('Name').fill('Image agent');
    await page.getByRole('tabpanel').getByLabel('Image').fill('ghcr.io/acme/agent:1.0');
    await page.getByRole('button', { name: 'Create image agent' }).click();
    await page.waitForURL(/\/agents\/[0-9a-f-]{36}$/);
    await page.getByText('ghcr.io/acme/agent:1.0').waitFor();

    await page.goto(`${pilox.url}/agents/new`);
    await page.getByRole('tab', { name: 'Import by URL' }).click();
    await page.getByRole('tabpanel').getByLabel('Agent card URL').fill('http://127.0.0.1:9/.well-known/agent-card.json');
    await page.getByRole('tabpanel').getByLabel('Slug').fill('remote-one');
    await page.getByRole('button', { name: 'Import agent' }).click();
    await page.getByRole('alert').waitFor();
    await screenshot(page, 'agents-import-error');
    const unexpected = w.errors.filter((e) => !/status of (422|400|403|503)/.test(e));
    expect(unexpected).toEqual([]);
  });

  it('renders the agent pages at 390 px in the dark theme', async () => {
    const phone = await openPage(browser, { width: 390, height: 844, colorScheme: 'dark' });
    await phone.context.addCookies(await w.context.cookies());
    for (const [url, name, text] of [
      [`${pilox.url}/agents`, 'agents-390-dark', 'Echo agent'],
      [`${pilox.url}/agents/new`, 'agents-new-390-dark', 'System prompt'],
      [agentUrl, 'agent-detail-390-dark', 'JSON-RPC endpoint'],
    ] as const) {
      await phone.page.goto(url);
      await phone.page.getByText(text).first().waitFor();
      expect(await overflowingElements(phone.page), `${url} scrolls sideways at 390 px`).toEqual([]);
      await screenshot(phone.page, name);
    }
    expect(phone.errors).toEqual([]);
    await phone.context.close();
  });
});
