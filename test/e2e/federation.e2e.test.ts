// Federation on the System page: two Pilox instances paired with a shared secret; instance A
// probes B from the browser and lists B's instance-visible agent under its local slug.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { chromiumAvailable, freePort, launchBrowser, openPage, overflowingElements, screenshot, signInFirstAdmin, startPilox, webBuilt, type PiloxProcess } from './harness.js';

const skip = !chromiumAvailable || !webBuilt || inject('pgAdminUrl') !== null;
const SECRET = randomBytes(32).toString('hex');

describe.skipIf(skip)('dashboard federation (embedded pass)', () => {
  let a: PiloxProcess;
  let b: PiloxProcess;
  let browser: Browser;

  beforeAll(async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const fed = (peer: number) => ({
      MESH_FEDERATION_ENABLED: 'true',
      MESH_FEDERATION_PEERS: `http://127.0.0.1:${peer}`,
      MESH_FEDERATION_SHARED_SECRET: SECRET,
      HIVE_EGRESS_FETCH_HOST_ALLOWLIST: '127.0.0.1',
      HIVE_EGRESS_FETCH_ALLOWED_PORTS: String(peer),
    });
    [a, b] = await Promise.all([startPilox(fed(portB), { port: portA }), startPilox(fed(portA), { port: portB })]);
    // On B: an admin and an agent every signed-in user (and peers) may see.
    const setup = await fetch(`${b.url}/api/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hive-setup-token': b.setupToken ?? '' },
      body: JSON.stringify({ email: 'bob@example.com', name: 'Bob', password: 'correct horse battery staple' }),
    });
    const cookie = (setup.headers.get('set-cookie') ?? '').split(';')[0]!;
    const created = await fetch(`${b.url}/api/agents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, origin: b.url },
      body: JSON.stringify({ slug: 'helpdesk', name: 'Helpdesk', kind: 'package', visibility: 'instance' }),
    });
    expect(created.status).toBe(201);
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('shows federation status, probes the peer and lists its agents', async () => {
    const w = await openPage(browser);
    await signInFirstAdmin(a, w.context);
    await w.page.goto(`${a.url}/system`);
    const card = w.page.locator('section').filter({ has: w.page.getByRole('heading', { name: 'Federation' }) });
    await card.getByText('not probed').waitFor();
    await card.getByRole('button', { name: 'Probe peers' }).click();
    await card.getByText(/reachable · \d+ ms/).waitFor({ timeout: 20_000 });
    await card.getByText('fed0--helpdesk').waitFor();
    await screenshot(w.page, 'system-federation-1280');
    expect(w.errors).toEqual([]);

    const phone = await openPage(browser, { width: 390, height: 844, colorScheme: 'dark' });
    await phone.context.addCookies(await w.context.cookies());
    await w.context.close();
    await phone.page.goto(`${a.url}/system`);
    await phone.page.getByText('fed0--helpdesk').waitFor();
    expect(await overflowingElements(phone.page)).toEqual([]);
    await screenshot(phone.page, 'system-federation-390-dark');
    expect(phone.errors).toEqual([]);
    await phone.context.close();
  });
});
