// The console loads, routes on the client, keeps API 404s as JSON, and has no console errors,
// at desktop and phone widths, in both themes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromiumAvailable, launchBrowser, openPage, screenshot, startPilox, webBuilt, type PiloxProcess } from './harness.js';

// The browser suite runs on embedded stores; the real-server pass would repeat it identically.
const skip = !chromiumAvailable || !webBuilt || inject('pgAdminUrl') !== null;

describe.skipIf(skip)('dashboard shell (needs /usr/bin/chromium and `npm run build`; runs in the embedded pass)', () => {
  let pilox: PiloxProcess;
  let browser: Browser;
  beforeAll(async () => {
    pilox = await startPilox();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await pilox?.stop();
  });

  it('serves the console at / and deep links, with no console errors', async () => {
    const { page, errors, context } = await openPage(browser);
    await page.goto(`${pilox.url}/system`);
    await page.getByRole('heading', { name: 'System' }).waitFor();
    await expect.poll(() => page.getByText('healthy').count()).toBeGreaterThan(0);
    await screenshot(page, 'system-1280');
    await page.goto(`${pilox.url}/no/such/page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });

  it('works at 390 px with the navigation drawer and keyboard focus', async () => {
    const { page, errors, context } = await openPage(browser, { width: 390, height: 844, colorScheme: 'dark' });
    await page.goto(`${pilox.url}/system`);
    await page.getByRole('button', { name: 'Open navigation' }).click();
    await page.getByRole('dialog', { name: 'Navigation' }).waitFor();
    await screenshot(page, 'nav-drawer-390-dark');
    await page.getByRole('button', { name: 'Close navigation' }).click();
    await page.keyboard.press('Tab');
    const focused = await page.evaluate<string>("document.activeElement?.textContent ?? ''");
    expect(focused).toContain('Skip to content');
    expect(await page.evaluate<boolean>("document.documentElement.classList.contains('dark')")).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });
});
