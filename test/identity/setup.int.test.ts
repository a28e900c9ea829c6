import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

const SETUP_TOKEN = 'configured-setup-token-0123456789abcdefXYZ';
const admin = { email: 'Root@Example.com', name: 'Root', password: 'correct horse battery' };

async function auditRows(t: TestApp, action: string) {
  return (await t.container.audit.list({ action }, 50)).items;
}

describe('first admin with HIVE_SETUP_TOKEN', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { HIVE_SETUP_TOKEN: SETUP_TOKEN } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('reports that no admin exists and prints no generated token', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/setup/status' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ adminExists: false, setupTokenRequired: true, tokenSource: 'HIVE_SETUP_TOKEN' });
    expect(t.container.startupNotices).toEqual([]);
  });

  it('refuses a missing or wrong token with 401 and creates nothing', async () => {
    const missing = await t.app.inject({ method: 'POST', url: '/api/setup', payload: admin });
    expect(missing.statusCode).toBe(401);
    expect(missing.json().error.code).toBe('SETUP_TOKEN_INVALID');
    const wrong = await t.app.inject({ method: 'POST', url: '/api/setup', payload: admin, headers: { 'x-hive-setup-token': SETUP_TOKEN + 'x' } });
    expect(wrong.statusCode).toBe(401);
    expect(await t.container.users.adminExists()).toBe(false);
    const rows = await auditRows(t, 'setup.complete');
    expect(rows.map((r) => [r.outcome, r.metadata.reason])).toEqual([
      ['failure', 'bad_token'],
      ['failure', 'missing_token'],
    ]);
  });

  it('creates the admin once with a Bearer token, signs them in, then answers 409', async () => {
    const ok = await t.app.inject({ method: 'POST', url: '/api/setup', payload: admin, headers: { authorization: `Bearer ${SETUP_TOKEN}` } });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().user).toMatchObject({ email: 'root@example.com', role: 'admin', disabled: false });
    expect(String(ok.headers['set-cookie'])).toMatch(/^pilox_session=[^;]+; Max-Age=43200; Path=\/; HttpOnly; SameSite=Lax$/);

    const again = await t.app.inject({
      method: 'POST',
      url: '/api/setup',
      payload: { ...admin, email: 'other@example.com' },
      headers: { 'x-hive-setup-token': SETUP_TOKEN },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('SETUP_ALREADY_COMPLETE');
    expect(await t.container.users.getByEmail('other@example.com')).toBeNull();
    const status = await t.app.inject({ method: 'GET', url: '/api/setup/status' });
    expect(status.json().adminExists).toBe(true);
    const rows = await auditRows(t, 'setup.complete');
    expect(rows[0]).toMatchObject({ outcome: 'failure', metadata: { reason: 'admin_exists' } });
    expect(rows[1]).toMatchObject({ outcome: 'success', actorType: 'anonymous', targetType: 'user' });
  });
});

describe('first admin without HIVE_SETUP_TOKEN', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('generates a one-time token at start and requires it', async () => {
    const line = t.container.startupNotices.join('\n');
    const token = /setup token: (\S+)/.exec(line)?.[1];
    expect(token).toBeDefined();
    const status = await t.app.inject({ method: 'GET', url: '/api/setup/status' });
    expect(status.json().tokenSource).toBe('startup_log');

    const anon = await t.app.inject({ method: 'POST', url: '/api/setup', payload: admin });
    expect(anon.statusCode).toBe(401);
    const ok = await t.app.inject({ method: 'POST', url: '/api/setup', payload: admin, headers: { 'x-hive-setup-token': token! } });
    expect(ok.statusCode).toBe(201);
    // Used up: even the right token cannot create a second admin.
    const again = await t.app.inject({ method: 'POST', url: '/api/setup', payload: { ...admin, email: 'b@example.com' }, headers: { 'x-hive-setup-token': token! } });
    expect(again.statusCode).toBe(409);
  });

  it('rotates the token on each start and prints none once an admin exists', async () => {
    expect(await t.container.identity.startupNotices()).toEqual([]);
  });

  it('lets only one of two concurrent setups win', async () => {
    const t2 = await createTestApp({ env: { HIVE_SETUP_TOKEN: SETUP_TOKEN } });
    try {
      const results = await Promise.all(
        ['a', 'b', 'c'].map((x) =>
          t2.app.inject({ method: 'POST', url: '/api/setup', payload: { ...admin, email: `${x}@example.com` }, headers: { 'x-hive-setup-token': SETUP_TOKEN } }),
        ),
      );
      expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409]);
      expect((await t2.container.users.list({ role: 'admin', limit: 10, offset: 0 })).total).toBe(1);
    } finally {
      await t2.close();
    }
  });

  it('rate-limits setup attempts per client IP', async () => {
    const t3 = await createTestApp({ env: { AUTH_RATE_LIMIT_MAX: '2' } });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) codes.push((await t3.app.inject({ method: 'POST', url: '/api/setup', payload: admin })).statusCode);
      expect(codes).toEqual([401, 401, 429]);
      const limited = await t3.app.inject({ method: 'POST', url: '/api/setup', payload: admin });
      expect(limited.json().error.code).toBe('RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await t3.close();
    }
  });
});
