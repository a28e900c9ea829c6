import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser, loginCookie, originOf, sessionCookieOf, type TestUser } from '../helpers/identity.js';

describe('sessions', () => {
  let t: TestApp;
  let viewer: TestUser;
  beforeAll(async () => {
    t = await createTestApp();
    viewer = await createTestUser(t, 'viewer');
  });
  afterAll(async () => {
    await t?.close();
  });

  const me = (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: '/api/auth/me', headers });

  it('logs in with the right password and answers /api/auth/me from the cookie', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: viewer.email.toUpperCase(), password: viewer.password } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ mfaRequired: false, user: { id: viewer.user.id, role: 'viewer' } });
    const cookie = sessionCookieOf(res.headers['set-cookie']);
    const who = await me({ cookie });
    expect(who.statusCode).toBe(200);
    expect(who.json()).toEqual({
      principal: { kind: 'user', role: 'viewer', via: 'session' },
      user: { id: viewer.user.id, email: viewer.email, name: viewer.user.name, role: 'viewer' },
    });
    const rows = (await t.container.audit.list({ action: 'auth.login', actorId: viewer.user.id }, 5)).items;
    expect(rows[0]).toMatchObject({ outcome: 'success', ip: '127.0.0.1' });
  });

  it('refuses a wrong password with 401 INVALID_CREDENTIALS, no cookie, and an audit row', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: viewer.email, password: 'wrong-password' } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('INVALID_CREDENTIALS');
    expect(res.headers['set-cookie']).toBeUndefined();
    const unknown = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'nobody@example.com', password: 'wrong-password' } });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().error.code).toBe('INVALID_CREDENTIALS');
    const rows = (await t.container.audit.list({ action: 'auth.login', outcome: 'failure' }, 5)).items;
    expect(rows.map((r) => r.metadata)).toEqual([
      { reason: 'bad_credentials', email: 'nobody@example.com' },
      { reason: 'bad_credentials', email: viewer.email },
    ]);
  });

  it('rejects forged, tampered and expired session JWTs with 401', async () => {
    const cookie = await loginCookie(t, viewer.email, viewer.password);
    const jwt = cookie.slice('pilox_session='.length);
    const [h, p, s] = jwt.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const escalated = Buffer.from(JSON.stringify({ ...payload, sv: payload.sv + 1 })).toString('base64url');
    const tampered = await me({ cookie: `pilox_session=${h}.${escalated}.${s}` });
    expect(tampered.statusCode).toBe(401);
    expect(tampered.json().error.code).toBe('INVALID_SESSION');

    const forged = await new SignJWT({ sv: payload.sv })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(viewer.user.id)
      .setAudience('pilox:session')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('not-the-auth-secret-but-long-enough-0123456789'));
    expect((await me({ cookie: `pilox_session=${forged}` })).json().error.code).toBe('INVALID_SESSION');

    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${p}.`;
    expect((await me({ cookie: `pilox_session=${none}` })).statusCode).toBe(401);

    const expired = await new SignJWT({ sv: payload.sv })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(viewer.user.id)
      .setAudience('pilox:session')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(new TextEncoder().encode(t.config.AUTH_SECRET));
    const exp = await me({ cookie: `pilox_session=${expired}` });
    expect(exp.statusCode).toBe(401);
    expect(exp.json().error.code).toBe('SESSION_EXPIRED');
  });

  it('ignores a stale cookie on public routes so the user can sign in again', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: viewer.email, password: viewer.password },
      headers: { cookie: 'pilox_session=garbage.garbage.garbage', ...originOf(t) },
    });
    expect(res.statusCode).toBe(200);
  });

  it('revokes sessions on password change, keeping the one that changed it', async () => {
    const other = await loginCookie(t, viewer.email, viewer.password);
    const mine = await loginCookie(t, viewer.email, viewer.password);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers: { cookie: mine, ...originOf(t) },
      payload: { currentPassword: viewer.password, newPassword: 'a brand new password' },
    });
    expect(res.statusCode).toBe(200);
    const renewed = sessionCookieOf(res.headers['set-cookie']);
    expect((await me({ cookie: other })).json().error.code).toBe('SESSION_REVOKED');
    expect((await me({ cookie: mine })).statusCode).toBe(401);
    expect((await me({ cookie: renewed })).statusCode).toBe(200);
    viewer.password = 'a brand new password';
    // API tokens are not sessions: they survive a password change.
    expect((await me(viewer.headers)).statusCode).toBe(200);
  });

  it('refuses a password change with the wrong current password, changing nothing', async () => {
    const cookie = await loginCookie(t, viewer.email, viewer.password);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers: { cookie, ...originOf(t) },
      payload: { currentPassword: 'not it at all', newPassword: 'another new password' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('INVALID_CURRENT_PASSWORD');
    expect((await me({ cookie })).statusCode).toBe(200);
  });

  it('signs out everywhere on request and clears the cookie on logout', async () => {
    const cookie = await loginCookie(t, viewer.email, viewer.password);
    const revoke = await t.app.inject({ method: 'POST', url: '/api/auth/sessions/revoke', headers: { cookie, ...originOf(t) } });
    expect(revoke.statusCode).toBe(204);
    expect((await me({ cookie })).statusCode).toBe(401);
    const out = await t.app.inject({ method: 'POST', url: '/api/auth/logout' });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^pilox_session=; Max-Age=0;/);
  });

  it('invalidates every session when AUTH_SECRET rotates', async () => {
    const cookie = await loginCookie(t, viewer.email, viewer.password);
    const rotated = await createTestApp({ database: t.database, kv: t.kv });
    try {
      const res = await rotated.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('INVALID_SESSION');
    } finally {
      await rotated.close();
    }
  });
});

describe('API tokens', () => {
  let t: TestApp;
  let admin: TestUser;
  let operator: TestUser;
  let viewer: TestUser;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await createTestUser(t, 'admin');
    operator = await createTestUser(t, 'operator');
    viewer = await createTestUser(t, 'viewer');
  });
  afterAll(async () => {
    await t?.close();
  });

  const create = (headers: Record<string, string>, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/api/tokens', headers, payload });

  it('creates a token shown once, stored hashed, usable as Bearer', async () => {
    const res = await create(operator.headers, { name: 'ci', role: 'viewer' });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.token).toMatch(/^pilox_[A-Za-z0-9_-]{43}$/);
    expect(body).toMatchObject({ name: 'ci', role: 'viewer', userId: operator.user.id, prefix: body.token.slice(0, 12), lastUsedAt: null });
    const me = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${body.token}` } });
    expect(me.json().principal).toEqual({ kind: 'user', role: 'viewer', via: 'token', tokenId: body.id });
    const list = await t.app.inject({ method: 'GET', url: '/api/tokens', headers: operator.headers });
    const listed = list.json().items.find((i: { id: string }) => i.id === body.id);
    expect(listed).toBeDefined();
    expect(listed.token).toBeUndefined();
    expect(JSON.stringify(list.json())).not.toContain(body.token);
    await expect.poll(async () => (await t.container.tokens.list(operator.user.id, { limit: 10, offset: 0 })).find((x) => x.id === body.id)?.lastUsedAt).not.toBeNull();
  });

  it('refuses a token role above its owner with 403 ROLE_ESCALATION and an audit row', async () => {
    const res = await create(operator.headers, { name: 'sneaky', role: 'admin' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('ROLE_ESCALATION');
    const tokens = await t.container.tokens.list(operator.user.id, { limit: 100, offset: 0 });
    expect(tokens.some((x) => x.name === 'sneaky')).toBe(false);
    const rows = (await t.container.audit.list({ action: 'token.create', outcome: 'failure' }, 5)).items;
    expect(rows[0]).toMatchObject({ actorId: operator.user.id, metadata: { reason: 'role_escalation', requestedRole: 'admin' } });
  });

  it('caps a token minted by a lower-role token at that token’s role', async () => {
    const low = await create(admin.headers, { name: 'low', role: 'viewer' });
    const res = await create({ authorization: `Bearer ${low.json().token}` }, { name: 'high', role: 'operator' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('ROLE_ESCALATION');
  });

  it('lets an admin mint a token for another user, not above that user', async () => {
    const ok = await create(admin.headers, { name: 'for-viewer', userId: viewer.user.id });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ userId: viewer.user.id, role: 'viewer' });
    const tooHigh = await create(admin.headers, { name: 'x', userId: viewer.user.id, role: 'operator' });
    expect(tooHigh.json().error.code).toBe('ROLE_ESCALATION');
    const notAdmin = await create(operator.headers, { name: 'x', userId: viewer.user.id });
    expect(notAdmin.statusCode).toBe(403);
  });

  it('rejects unknown, malformed and expired tokens with 401', async () => {
    const bad = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer pilox_${'A'.repeat(43)}` } });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().error.code).toBe('INVALID_TOKEN');
    const short = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: 'Bearer pilox_short' } });
    expect(short.json().error.code).toBe('INVALID_TOKEN');
    // A presented but invalid token is refused even on a public route.
    const pub = await t.app.inject({ method: 'GET', url: '/api/setup/status', headers: { authorization: `Bearer pilox_${'A'.repeat(43)}` } });
    expect(pub.statusCode).toBe(401);

    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const soon = await create(viewer.headers, { name: 'soon', expiresAt });
    expect(soon.statusCode).toBe(201);
    const headers = { authorization: `Bearer ${soon.json().token}` };
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/me', headers })).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 1600));
    const expired = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe('TOKEN_EXPIRED');
    const past = await create(viewer.headers, { name: 'past', expiresAt: new Date(Date.now() - 1000).toISOString() });
    expect(past.statusCode).toBe(400);
  });

  it('revokes a token on delete; another user’s token is a 404', async () => {
    const created = (await create(viewer.headers, { name: 'temp' })).json();
    const headers = { authorization: `Bearer ${created.token}` };
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/me', headers })).statusCode).toBe(200);
    const foreign = await t.app.inject({ method: 'DELETE', url: `/api/tokens/${created.id}`, headers: operator.headers });
    expect(foreign.statusCode).toBe(404);
    const del = await t.app.inject({ method: 'DELETE', url: `/api/tokens/${created.id}`, headers: viewer.headers });
    expect(del.statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/me', headers })).statusCode).toBe(401);
  });

  it('stops a deleted user’s token at once', async () => {
    const doomed = await createTestUser(t, 'operator');
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: doomed.headers })).statusCode).toBe(200);
    const del = await t.app.inject({ method: 'DELETE', url: `/api/users/${doomed.user.id}`, headers: admin.headers });
    expect(del.statusCode).toBe(204);
    const res = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: doomed.headers });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('INVALID_TOKEN');
  });

  it('stops a disabled user’s token at once and caps tokens at a demoted owner’s role', async () => {
    const u = await createTestUser(t, 'admin');
    const demote = await t.app.inject({ method: 'PATCH', url: `/api/users/${u.user.id}`, headers: admin.headers, payload: { role: 'viewer' } });
    expect(demote.statusCode).toBe(200);
    const me = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: u.headers });
    expect(me.json().principal.role).toBe('viewer');
    await t.app.inject({ method: 'PATCH', url: `/api/users/${u.user.id}`, headers: admin.headers, payload: { disabled: true } });
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: u.headers })).statusCode).toBe(401);
  });

  it('stops a token on another replica when its owner is disabled here', async () => {
    const replica = await createTestApp({ database: t.database, kv: t.kv });
    try {
      const u = await createTestUser(t, 'operator');
      const onReplica = () => replica.app.inject({ method: 'GET', url: '/api/auth/me', headers: u.headers });
      expect((await onReplica()).statusCode).toBe(200); // now cached on the replica
      await t.app.inject({ method: 'PATCH', url: `/api/users/${u.user.id}`, headers: admin.headers, payload: { disabled: true } });
      // The invalidation travels over Kv pub/sub: milliseconds, far below the cache TTL.
      await expect.poll(async () => (await onReplica()).statusCode, { timeout: 2000, interval: 20 }).toBe(401);
    } finally {
      await replica.close();
    }
  });
});
