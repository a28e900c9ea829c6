// The first-run journey in a real browser: setup wizard → console → API token shown once →
// MFA enrolment (QR + recovery codes) → sign out → sign in with a TOTP code. Every settings and
// system page is visited and screenshot at 1280 px (light) and 390 px (dark); any console
// error fails the test.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { Secret, TOTP } from 'otpauth';
import { chromiumAvailable, launchBrowser, openPage, overflowingElements, screenshot, startPilox, webBuilt, type PiloxProcess, type WatchedPage } from './harness.js';

const skip = !chromiumAvailable || !webBuilt || inject('pgAdminUrl') !== null;

const ADMIN = { name: 'Ada Admin', email: 'ada@example.com', password: 'correct horse battery staple' };

describe.skipIf(skip)('dashboard onboarding (needs /usr/bin/chromium and `npm run build`; runs in the embedded pass)', () => {
  let pilox: PiloxProcess;
  let browser: Browser;
  let w: WatchedPage;
  let page: Page;
  let mfaSecret = '';

  beforeAll(async () => {
    pilox = await startPilox();
    browser = await launchBrowser();
    w = await openPage(browser);
    page = w.page;
  }, 120_000);
  afterAll(async () => {
    await w?.context.close();
    await browser?.close();
    await pilox?.stop();
  });

  const heading = (name: string) => page.getByRole('heading', { name, exact: true }).waitFor();
  const settingsTab = async (name: string) => {
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name }).click();
  };

  it('walks a fresh instance through the setup wizard', async () => {
    expect(pilox.setupToken).toBeTruthy();
    await page.goto(`${pilox.url}/`);
    await page.waitForURL(/\/setup$/);
    await heading('Welcome to Pilox');
    await screenshot(page, 'setup-1-admin');

    // A wrong token shows the API's message and keeps the form.
    await page.getByLabel('Setup token').fill('not-the-token');
    await page.getByLabel('Your name').fill(ADMIN.name);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByLabel('Confirm password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.getByRole('alert').getByText(/setup token/i).waitFor();

    await page.getByLabel('Setup token').fill(pilox.setupToken!);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await heading('Name this instance');
    await page.getByLabel('Instance name').fill('E2E instance');
    await screenshot(page, 'setup-2-instance');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await heading('Connect a model provider');
    await page.getByRole('button', { name: 'Skip' }).click();
    await heading('All set');
    await screenshot(page, 'setup-4-done');
    await page.getByRole('button', { name: 'Open the console' }).click();
    await heading('Agents');
    expect(await page.getByTestId('instance-name').first().textContent()).toBe('E2E instance');
    await page.getByRole('link', { name: 'System' }).click();
    await heading('System');
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    // The setup itself is audited.
    await page.getByRole('table', { name: 'Audit log' }).getByText('setup.complete', { exact: true }).first().waitFor();
    await screenshot(page, 'system-1280');
  });

  it('creates an API token whose secret is shown once', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await heading('Settings');
    await settingsTab('API tokens');
    await page.getByText('No API tokens').waitFor();
    await page.getByRole('button', { name: 'New token' }).click();
    await page.getByLabel('Name').fill('ci deploy');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = (await page.getByTestId('secret-once').textContent())!.trim();
    expect(secret).toMatch(/^pilox_/);
    await screenshot(page, 'tokens-created');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('table', { name: 'API tokens' }).getByText('ci deploy').waitFor();
    expect(await page.getByText(secret).count()).toBe(0);
    // The token works against the API, and the page never shows it again.
    const res = await fetch(`${pilox.url}/api/auth/me`, { headers: { authorization: `Bearer ${secret}` } });
    expect(res.status).toBe(200);
    await page.reload();
    await page.getByRole('table', { name: 'API tokens' }).getByText('ci deploy').waitFor();
    expect(await page.content()).not.toContain(secret);
    await screenshot(page, 'tokens-1280');
  });

  it('enrols MFA with a QR code and shows the recovery codes once', async () => {
    await settingsTab('Account');
    await page.getByRole('button', { name: 'Enable two-factor authentication' }).click();
    await page.getByRole('img', { name: 'Authenticator QR code' }).waitFor();
    mfaSecret = (await page.getByTestId('mfa-secret').textContent())!.trim();
    await screenshot(page, 'account-mfa-qr');
    const totp = new TOTP({ secret: Secret.fromBase32(mfaSecret), digits: 6, period: 30, algorithm: 'SHA1' });
    await page.getByLabel('2. Enter the 6-digit code it shows').fill(totp.generate());
    await page.getByRole('button', { name: 'Verify and enable' }).click();
    const codes = page.getByTestId('recovery-codes').getByRole('listitem');
    await codes.first().waitFor();
    expect(await codes.count()).toBe(10);
    await screenshot(page, 'account-mfa-recovery-codes');
    await page.getByRole('button', { name: 'I saved them' }).click();
    await page.getByText('Recovery codes left:').waitFor();
    await screenshot(page, 'account-1280');
  });

  it('visits the other settings pages', async () => {
    await settingsTab('Secrets');
    await page.getByText('No secrets').waitFor();
    await page.getByRole('button', { name: 'New secret' }).click();
    await page.getByLabel('Name').fill('OPENAI_API_KEY');
    await page.getByLabel('Value').fill('sk-test-value-never-shown');
    await page.getByRole('button', { name: 'Store secret' }).click();
    await page.getByRole('table', { name: 'Secrets' }).getByText('OPENAI_API_KEY').waitFor();
    expect(await page.content()).not.toContain('sk-test-value-never-shown');
    await screenshot(page, 'secrets-1280');

    await settingsTab('Users');
    await page.getByRole('table', { name: 'Users' }).getByText(ADMIN.email).waitFor();
    await page.getByRole('button', { name: 'New user' }).click();
    await page.getByLabel('Name').fill('Otto Operator');
    await page.getByLabel('Email').fill('otto@example.com');
    await page.getByLabel('Initial password').fill('another long passphrase');
    await page.getByLabel('Role').selectOption('operator');
    await page.getByRole('button', { name: 'Create user' }).click();
    const row = page.getByRole('row').filter({ hasText: 'otto@example.com' });
    await row.waitFor();
    await row.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('button', { name: 'Create password reset link' }).click();
    expect(await page.getByTestId('secret-once').textContent()).toContain('/reset-password?token=');
    await screenshot(page, 'users-reset-link');
    await page.keyboard.press('Escape');
    await screenshot(page, 'users-1280');

    await settingsTab('Security');
    await page.getByLabel('Instance name').waitFor();
    expect(await page.getByLabel('Instance name').inputValue()).toBe('E2E instance');
    await page.getByLabel('Allowed hosts').fill('api.example.com\n*.Internal.Example.');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved.').waitFor();
    // The server normalizes entries; the form shows what is stored.
    expect(await page.getByLabel('Allowed hosts').inputValue()).toBe('api.example.com\n*.internal.example');
    await screenshot(page, 'security-1280');
  });

  it('signs out and back in with a TOTP code', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login/);
    await heading('Sign in');
    await page.goto(`${pilox.url}/settings/tokens`);
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await screenshot(page, 'login-error');
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading('Two-factor authentication');
    await screenshot(page, 'login-mfa');
    // The enrolment used the current step; the next one is fresh (codes cannot be replayed).
    const totp = new TOTP({ secret: Secret.fromBase32(mfaSecret), digits: 6, period: 30, algorithm: 'SHA1' });
    await page.getByLabel('Authentication code').fill(totp.generate({ timestamp: Date.now() + 30_000 }));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(/\/settings\/tokens$/);
    await page.getByRole('table', { name: 'API tokens' }).getByText('ci deploy').waitFor();
    expect(w.errors).toEqual([]);
  });

  it('renders every page at 390 px in the dark theme with no console errors', async () => {
    const phone = await openPage(browser, { width: 390, height: 844, colorScheme: 'dark' });
    await phone.context.addCookies(await w.context.cookies());
    for (const [path, name, text] of [
      ['/system', 'system', 'Audit log'],
      ['/settings/account', 'account', 'Two-factor authentication'],
      ['/settings/tokens', 'tokens', 'ci deploy'],
      ['/settings/secrets', 'secrets', 'OPENAI_API_KEY'],
      ['/settings/users', 'users', 'otto@example.com'],
      ['/settings/security', 'security', 'Workflow code nodes'],
    ] as const) {
      await phone.page.goto(`${pilox.url}${path}`);
      await phone.page.getByText(text).first().waitFor();
      expect(await overflowingElements(phone.page), `${path} scrolls sideways at 390 px`).toEqual([]);
      await screenshot(phone.page, `${name}-390-dark`);
    }
    expect(phone.errors).toEqual([]);
    await phone.context.close();
  });
});
