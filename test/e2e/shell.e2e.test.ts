// The console loads, routes on the client, keeps API 404s as JSON, and has no console errors,
// at desktop and phone widths, in both themes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Browser } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';
import { chromiumAvailable, launchBrowser, openPage, screenshot, signInFirstAdmin, startPilox, webBuilt, type PiloxProcess } from './harness.js';

// The browser suite runs on embedded stores; the real-server pass would repeat it identically.
const skip = !chromiumAvailable || !webBuilt || inject('pgAdminUrl') !== null;

describe.skipIf(skip)('dashboard shell (needs /usr/bin/chromium and `npm run build`; runs in the embedded pass)', () => {
  let pilox: PiloxProcess;
  let browser: Browser;
  let cookies: Awaited<ReturnType<BrowserContext['cookies']>>;
  beforeAll(async () => {
    pilox = await startPilox();
    browser = await launchBrowser();
    // The console is behind sign-in; one admin's session is copied into each context.
    const first = await browser.newContext();
    await signInFirstAdmin(pilox, first);
    cookies = await first.cookies();
    await first.close();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await pilox?.stop();
  });

  it('serves the console at / and deep links, with no console errors', async () => {
    const { page, errors, context } = await openPage(browser);
    await context.addCookies(cookies);
    await page.goto(`${pilox.url}/system`);
    await page.getByRole('heading', { name: 'System' }).waitFor();
    await expect.poll(() => page.getByText('healthy').count()).toBeGreaterThan(0);
    await screenshot(page, 'shell-system-1280');
    await page.goto(`${pilox.url}/no/such/page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });

  it('works at 390 px with the navigation drawer and keyboard focus', async () => {
    const { page, errors, context } = await openPage(browser, { width: 390, height: 844, colorScheme: 'dark' });
    await context.addCookies(cookies);
    await page.goto(`${pilox.url}/system`);
    await page.getByRole('button', { name: 'Open navigation' }).click();
    await page.getByRole('dialog', { name: 'Navigation' }).waitFor();
    await screenshot(page, 'nav-drawer-390-dark');
    // The drawer takes focus, Escape closes it, and focus returns to the menu button.
    expect(await page.evaluate<string>("document.activeElement?.getAttribute('aria-label') ?? ''")).toBe('Close navigation');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'Navigation' }).waitFor({ state: 'detached' });
    expect(await page.evaluate<string>("document.activeElement?.getAttribute('aria-label') ?? ''")).toBe('Open navigation');
    await page.reload();
    await page.getByRole('heading', { name: 'System' }).waitFor();
    await page.keyboard.press('Tab');
    const focused = await page.evaluate<string>("document.activeElement?.textContent ?? ''");
    expect(focused).toContain('Skip to content');
    expect(await page.evaluate<boolean>("document.documentElement.classList.contains('dark')")).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });
});
