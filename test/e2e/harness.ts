// End-to-end harness: a real Pilox process (embedded stores) and Debian's Chromium driven by
// playwright-core. Never downloads a browser. Collects console errors so tests can fail on them.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { packageRoot } from '../../src/lib/paths.js';

export const CHROMIUM = '/usr/bin/chromium';
export const chromiumAvailable = existsSync(CHROMIUM);
export const webBuilt = existsSync(join(packageRoot, 'web/dist/index.html'));
export const screenshotsDir = join(packageRoot, 'test/e2e/screenshots');

export interface PiloxProcess {
  url: string;
  /** The one-time setup token printed on first start, when there is one. */
  setupToken: string | null;
  output(): string;
  stop(): Promise<void>;
}

/** A port nobody listens on right now (the kernel picks it; we close it again at once). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

export async function startPilox(env: Record<string, string> = {}, opts: { port?: number } = {}): Promise<PiloxProcess> {
  // A fixed port so AUTH_URL (the origin the CSRF check expects) matches the page's origin.
  const port = opts.port ?? (await freePort());
  const dataDir = mkdtempSync(join(tmpdir(), 'pilox-e2e-'));
  const child: ChildProcess = spawn(process.execPath, [join(packageRoot, 'bin/pilox.js'), 'start'], {
    cwd: packageRoot,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      PILOX_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      AUTH_URL: `http://127.0.0.1:${port}`,
      ...env,
    } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Pilox did not start:\n${out}`)), 60_000);
    child.stdout!.on('data', () => {
      const m = out.match(/running at (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Pilox exited with ${code}:\n${out}`));
    });
  });
  // The notices follow the URL line; give them a moment to arrive.
  await new Promise((r) => setTimeout(r, 200));
  return {
    url,
    setupToken: out.match(/setup token:\s*(\S+)/i)?.[1] ?? null,
    output: () => out,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const EXPECTED_401 = ['/api/auth/me', '/api/auth/login', '/api/auth/mfa/verify', '/api/setup'];

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
}

export async function openPage(browser: Browser, opts: { width?: number; height?: number; colorScheme?: 'light' | 'dark' } = {}): Promise<WatchedPage> {
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
    colorScheme: opts.colorScheme ?? 'light',
  });
  const page = await context.newPage();
  // Fail a step well before the test's own timeout so the error names the locator.
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    // Chromium logs every 4xx/5xx response as a console error. A 401 from these routes is an
    // answer the console handles (signed out, wrong password or code), not a fault.
    const url = msg.location().url;
    if (/status of 401/.test(msg.text()) && EXPECTED_401.some((p) => url.endsWith(p))) return;
    errors.push(`console: ${msg.text()} (${url})`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return { page, context, errors };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotsDir, { recursive: true });
  await page.screenshot({ path: join(screenshotsDir, `${name}.png`), fullPage: true });
}

/** Elements that stick out past the viewport's right edge (empty when nothing scrolls sideways). */
export async function overflowingElements(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    if (document.documentElement.scrollWidth <= window.innerWidth) return [];
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.right > window.innerWidth + 1 && r.width > 0) {
        let scrolls = false;
        for (let p = el.parentElement; p; p = p.parentElement) {
          const o = getComputedStyle(p).overflowX;
          if (o === 'auto' || o === 'scroll' || o === 'hidden') { scrolls = true; break; }
        }
        if (!scrolls) out.push(el.tagName.toLowerCase() + '.' + String(el.className).slice(0, 60) + ' ' + Math.round(r.right));
      }
    }
    return out.slice(0, 5);
  })()`);
}

/** Creates the first admin over the API (setup token) and gives the browser context its session. */
export async function signInFirstAdmin(
  pilox: PiloxProcess,
  context: BrowserContext,
  admin = { email: 'admin@example.com', name: 'Admin', password: 'correct horse battery staple' },
): Promise<void> {
  const res = await fetch(`${pilox.url}/api/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hive-setup-token': pilox.setupToken ?? '' },
    body: JSON.stringify(admin),
  });
  if (res.status !== 201) throw new Error(`setup failed: ${res.status} ${await res.text()}`);
  const [pair] = (res.headers.get('set-cookie') ?? '').split(';');
  const eq = pair!.indexOf('=');
  await context.addCookies([{ name: pair!.slice(0, eq), value: pair!.slice(eq + 1), url: pilox.url }]);
}
