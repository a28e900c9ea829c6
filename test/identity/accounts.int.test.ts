// Registration, admin user management, login lockout and password reset links.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser, loginCookie, originOf, type TestUser } from '../helpers/identity.js';

const newAccount = (email: string, extra: Record<string, unknown> = {}) => ({ email, name: 'New Person', password: 'long enough password', ...extra });

describe('registration', () => {
  let t: TestApp;
  let admin: TestUser;
  let operator: TestUser;
  beforeAll(async () => {
    t = await createTestApp({ env: { ALLOW_PUBLIC_REGISTRATION: 'true' } });
    admin = await createTestUser(t, 'admin');
    operator = await createTestUser(t, 'operator');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('says whether public registration is open', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/auth/registration-status' });
    expect(res.json()).toEqual({ publicRegistration: true });
  });

  it('lets anyone register a viewer and signs them in', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/register', payload: newAccount('Self@Example.com') });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ signedIn: true, user: { email: 'self@example.com', role: 'viewer' } });
    expect(String(res.headers['set-cookie'])).toMatch(/^pilox_session=/);
    const dup = await t.app.inject({ method: 'POST', url: '/api/auth/register', payload: newAccount('self@example.COM') });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.code).toBe('EMAIL_TAKEN');
  });

  it('names the bad field on invalid input', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/register', payload: newAccount('not-an-email', { password: 'short' }) });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_ERROR');
    expect(res.json().error.message).toMatch(/body\.(email|password)/);
  });

  it('refuses an anonymous admin sign-up with 403 ROLE_ESCALATION and an audit row', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/register', payload: newAccount('sneaky@example.com', { role: 'admin' }) });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('ROLE_ESCALATION');
    expect(await t.container.users.getByEmail('sneaky@example.com')).toBeNull();
  });

  it('refuses an operator creating an admin, with an audit row, and creates nothing', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      headers: operator.headers,
      payload: newAccount('promoted@example.com', { role: 'admin' }),
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('ROLE_ESCALATION');
    expect(await t.container.users.getByEmail('promoted@example.com')).toBeNull();
    const rows = (await t.container.audit.list({ action: 'user.create', outcome: 'failure' }, 1)).items;
    expect(rows[0]).toMatchObject({ actorId: operator.user.id, metadata: { reason: 'role_escalation', requestedRole: 'admin' } });
  });

  it('lets an admin create an account with a role, without switching the admin’s session', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/register', headers: admin.headers, payload: newAccount('ops@example.com', { role: 'operator' }) });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ signedIn: false, user: { role: 'operator' } });
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});

describe('invite-only registration', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { ALLOW_PUBLIC_REGISTRATION: 'false' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses anonymous registration and accepts an admin invitation via session cookie', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/registration-status' })).json()).toEqual({ publicRegistration: false });
    const anon = await t.app.inject({ method: 'POST', url: '/api/auth/register', payload: newAccount('a@example.com') });
    expect(anon.statusCode).toBe(403);
    expect(anon.json().error.code).toBe('REGISTRATION_CLOSED');
    const viewer = await createTestUser(t, 'viewer');
    const byViewer = await t.app.inject({ method: 'POST', url: '/api/auth/register', headers: viewer.headers, payload: newAccount('b@example.com') });
    expect(byViewer.json().error.code).toBe('REGISTRATION_CLOSED');
    const admin = await createTestUser(t, 'admin');
    const cookie = await loginCookie(t, admin.email, admin.password);
    const invite = await t.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      headers: { cookie, ...originOf(t) },
      payload: newAccount('invited@example.com', { role: 'viewer' }),
    });
    expect(invite.statusCode).toBe(201);
  });
});

describe('admin user management', () => {
  let t: TestApp;
  let admin: TestUser;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await createTestUser(t, 'admin');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists, searches and pages users', async () => {
    await createTestUser(t, 'viewer', { email: 'findme@example.com' });
    const res = await t.app.inject({ method: 'GET', url: '/api/users?search=findme&limit=10', headers: admin.headers });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ total: 1, items: [{ email: 'findme@example.com' }] });
    expect(JSON.stringify(res.json())).not.toMatch(/password|argon2/i);
    const page = await t.app.inject({ method: 'GET', url: '/api/users?limit=1&offset=1', headers: admin.headers });
    expect(page.json().items).toHaveLength(1);
    expect(page.json().total).toBeGreaterThanOrEqual(2);
  });

  it('revokes sessions on role change and disable; re-enabling needs a new sign-in', async () => {
    const u = await createTestUser(t, 'operator');
    const cookie = await loginCookie(t, u.email, u.password);
    const me = () => t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } });
    expect((await me()).statusCode).toBe(200);
    const patch = await t.app.inject({ method: 'PATCH', url: `/api/users/${u.user.id}`, headers: admin.headers, payload: { role: 'viewer' } });
    expect(patch.json().role).toBe('viewer');
    expect((await me()).json().error.code).toBe('SESSION_REVOKED');
    const cookie2 = await loginCookie(t, u.email, u.password);
    await t.app.inject({ method: 'PATCH', url: `/api/users/${u.user.id}`, headers: admin.headers, payload: { disabled: true } });
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: cookie2 } })).statusCode).toBe(401);
    const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: u.email, password: u.password } });
    expect(login.statusCode).toBe(401);
    expect(login.json().error.code).toBe('INVALID_CREDENTIALS');
    await t.app.inject({ method: 'PATCH', url: `/api/users/${u.user.id}`, headers: admin.headers, payload: { disabled: false } });
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: cookie2 } })).statusCode).toBe(401);
    await loginCookie(t, u.email, u.password);
    const actions = (await t.container.audit.list({ targetId: u.user.id }, 20)).items.map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['user.role_change', 'user.disable', 'user.enable']));
  });

  it('never leaves the instance without an enabled admin', async () => {
    const t2 = await createTestApp();
    try {
      const only = await createTestUser(t2, 'admin');
      for (const payload of [{ role: 'operator' }, { disabled: true }]) {
        const res = await t2.app.inject({ method: 'PATCH', url: `/api/users/${only.user.id}`, headers: only.headers, payload });
        expect(res.statusCode).toBe(409);
        expect(res.json().error.code).toBe('LAST_ADMIN');
      }
      const del = await t2.app.inject({ method: 'DELETE', url: `/api/users/${only.user.id}`, headers: only.headers });
      expect(del.json().error.code).toBe('LAST_ADMIN');
      expect((await t2.container.users.getById(only.user.id))?.role).toBe('admin');
    } finally {
      await t2.close();
    }
  });

  it('answers 404 for unknown users', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    expect((await t.app.inject({ method: 'GET', url: `/api/users/${id}`, headers: admin.headers })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'PATCH', url: `/api/users/${id}`, headers: admin.headers, payload: { name: 'x' } })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/users/${id}`, headers: admin.headers })).statusCode).toBe(404);
  });
});

describe('login lockout', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { AUTH_LOCKOUT_MAX_FAILURES: '3', AUTH_LOCKOUT_SECONDS: '600', AUTH_RATE_LIMIT_MAX: '1000' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const login = (email: string, password: string) => t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });

  it('locks an account after repeated failures, even for the right password, and audits it', async () => {
    const u = await createTestUser(t, 'viewer');
    for (let i = 0; i < 3; i++) expect((await login(u.email, 'wrong-password')).statusCode).toBe(401);
    const locked = await login(u.email, u.password);
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('ACCOUNT_LOCKED');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(500);
    expect(locked.headers['set-cookie']).toBeUndefined();
    const rows = (await t.container.audit.list({ action: 'auth.lockout' }, 5)).items;
    expect(rows[0]).toMatchObject({ metadata: { email: u.email } });
  });

  it('locks unknown emails the same way, and takes as long for them as for real accounts', async () => {
    for (let i = 0; i < 3; i++) expect((await login('ghost@example.com', 'wrong-password')).statusCode).toBe(401);
    expect((await login('ghost@example.com', 'wrong-password')).json().error.code).toBe('ACCOUNT_LOCKED');

    const real = await createTestUser(t, 'viewer');
    const time = async (email: string) => {
      const started = performance.now();
      await login(email, 'wrong-password');
      return performance.now() - started;
    };
    await time('warmup@example.com');
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 2; i++) {
      // Below the lockout threshold for the real account.
      known.push(await time(real.email));
      unknown.push(await time(`nobody-${i}@example.com`));
    }
    // A third failure would lock the real account; unknown emails can give more samples.
    for (let i = 2; i < 5; i++) unknown.push(await time(`nobody-${i}@example.com`));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // Both pay for one argon2id verification (tens of ms); without the dummy hash an unknown
    // email would take ~1 ms. The margin is wide because CI machines are shared: the point is
    // the order of magnitude, not a precise ratio.
    expect(median(unknown)).toBeGreaterThan(median(known) * 0.25);
    expect(median(known)).toBeGreaterThan(median(unknown) * 0.25);
  });
});

describe('password reset links', () => {
  let t: TestApp;
  let admin: TestUser;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await createTestUser(t, 'admin');
  });
  afterAll(async () => {
    await t?.close();
  });

  const reset = (token: string, password: string) =>
    t.app.inject({ method: 'POST', url: '/api/auth/password-reset', payload: { token, password } });

  it('issues a single-use link that sets a new password and ends existing sessions', async () => {
    const u = await createTestUser(t, 'viewer');
    const cookie = await loginCookie(t, u.email, u.password);
    const issued = await t.app.inject({ method: 'POST', url: `/api/users/${u.user.id}/password-reset`, headers: admin.headers });
    expect(issued.statusCode).toBe(201);
    const { url, token } = issued.json();
    expect(url).toBe(`http://localhost:8080/reset-password?token=${token}`);
    expect((await reset(token, 'my new password!')).statusCode).toBe(204);
    const again = await reset(token, 'another password!');
    expect(again.statusCode).toBe(400);
    expect(again.json().error.code).toBe('INVALID_RESET_TOKEN');
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(401);
    await loginCookie(t, u.email, 'my new password!');
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: u.email, password: 'another password!' } })).statusCode).toBe(401);
  });

  it('refuses unknown, superseded and expired links, changing nothing', async () => {
    const u = await createTestUser(t, 'viewer');
    expect((await reset('x'.repeat(43), 'whatever password')).json().error.code).toBe('INVALID_RESET_TOKEN');
    const first = (await t.app.inject({ method: 'POST', url: `/api/users/${u.user.id}/password-reset`, headers: admin.headers })).json().token;
    await t.app.inject({ method: 'POST', url: `/api/users/${u.user.id}/password-reset`, headers: admin.headers });
    expect((await reset(first, 'whatever password')).statusCode).toBe(400);

    const short = await createTestApp({ database: t.database, kv: t.kv, env: { PASSWORD_RESET_TTL_SECONDS: '300' } });
    try {
      const issued = await short.container.identity.auth.issuePasswordReset(u.user.id, { actor: null });
      const later = await createTestApp({ database: t.database, kv: t.kv, clock: { now: () => new Date(Date.now() + 301_000) } });
      try {
        const res = await later.app.inject({ method: 'POST', url: '/api/auth/password-reset', payload: { token: issued.token, password: 'whatever password' } });
        expect(res.json().error.code).toBe('INVALID_RESET_TOKEN');
      } finally {
        await later.close();
      }
    } finally {
      await short.close();
    }
    await loginCookie(t, u.email, u.password);
    const failures = (await t.container.audit.list({ action: 'user.password_reset', outcome: 'failure' }, 10)).items;
    expect(failures.length).toBeGreaterThanOrEqual(3);
  });
});
