// Edge protections: CSRF origin check, security headers, CORS, client IP and rate limits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser, loginCookie, type TestUser } from '../helpers/identity.js';

describe('CSRF, headers and CORS', () => {
  let t: TestApp;
  let viewer: TestUser;
  let cookie: string;
  beforeAll(async () => {
    t = await createTestApp({ env: { AUTH_URL: 'https://pilox.example.com' } });
    viewer = await createTestUser(t, 'viewer');
    cookie = await loginCookie(t, viewer.email, viewer.password);
  });
  afterAll(async () => {
    await t?.close();
  });

  const createToken = (headers: Record<string, string>) =>
    t.app.inject({ method: 'POST', url: '/api/tokens', headers, payload: { name: 'csrf-probe' } });

  it('marks the session cookie Secure behind an https AUTH_URL', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: viewer.email, password: viewer.password } });
    expect(String(res.headers['set-cookie'])).toMatch(/; HttpOnly; SameSite=Lax; Secure$/);
  });

  it('refuses a cookie-authenticated write without the AUTH_URL origin, and changes nothing', async () => {
    const before = (await t.container.tokens.list(viewer.user.id, { limit: 100, offset: 0 })).length;
    const missing = await createToken({ cookie });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().error.code).toBe('CSRF_ORIGIN_MISMATCH');
    const evil = await createToken({ cookie, origin: 'https://evil.example' });
    expect(evil.statusCode).toBe(403);
    const lookalike = await createToken({ cookie, origin: 'https://pilox.example.com.evil.example' });
    expect(lookalike.statusCode).toBe(403);
    const badReferer = await createToken({ cookie, referer: 'https://evil.example/pilox.example.com' });
    expect(badReferer.statusCode).toBe(403);
    expect((await t.container.tokens.list(viewer.user.id, { limit: 100, offset: 0 })).length).toBe(before);
  });

  it('accepts the same write from the AUTH_URL origin (Origin or Referer), and bearer tokens without one', async () => {
    expect((await createToken({ cookie, origin: 'https://pilox.example.com' })).statusCode).toBe(201);
    expect((await createToken({ cookie, referer: 'https://pilox.example.com/settings/tokens' })).statusCode).toBe(201);
    expect((await createToken(viewer.headers)).statusCode).toBe(201);
    // Safe methods need no origin.
    expect((await t.app.inject({ method: 'GET', url: '/api/tokens', headers: { cookie } })).statusCode).toBe(200);
  });

  it('refuses sign-in from a page of another origin (login CSRF), not from clients without Origin', async () => {
    const payload = { email: viewer.email, password: viewer.password };
    const evil = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload, headers: { origin: 'https://evil.example' } });
    expect(evil.statusCode).toBe(403);
    expect(evil.json().error.code).toBe('CSRF_ORIGIN_MISMATCH');
    expect(evil.headers['set-cookie']).toBeUndefined();
    const ours = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload, headers: { origin: 'https://pilox.example.com' } });
    expect(ours.statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/login', payload })).statusCode).toBe(200);
  });

  it('sends HSTS, a deny-all CSP and nosniff on API responses, and the SPA policy on documents', async () => {
    const api = await t.app.inject({ method: 'GET', url: '/api/health' });
    expect(api.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    expect(api.headers['x-content-type-options']).toBe('nosniff');
    expect(api.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    const doc = await t.app.inject({ method: 'GET', url: '/some/dashboard/page' });
    const csp = String(doc.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain('upgrade-insecure-requests');
    expect(doc.headers['x-frame-options']).toBe('DENY');
    // Errors carry them too.
    const denied = await t.app.inject({ method: 'GET', url: '/api/users' });
    expect(denied.statusCode).toBe(401);
    expect(denied.headers['strict-transport-security']).toBeDefined();
  });

  it('allows CORS for the AUTH_URL origin only', async () => {
    const ok = await t.app.inject({ method: 'GET', url: '/api/health', headers: { origin: 'https://pilox.example.com' } });
    expect(ok.headers['access-control-allow-origin']).toBe('https://pilox.example.com');
    expect(ok.headers['access-control-allow-credentials']).toBe('true');
    const other = await t.app.inject({ method: 'GET', url: '/api/health', headers: { origin: 'https://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();

    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/tokens',
      headers: { origin: 'https://pilox.example.com', 'access-control-request-method': 'POST' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    expect(preflight.headers['access-control-allow-headers']).toContain('authorization');
    const evilPreflight = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/tokens',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(evilPreflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(evilPreflight.headers['access-control-allow-methods']).toBeUndefined();
  });
});

describe('client IP under HIVE_CLIENT_IP_SOURCE=real_ip', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { HIVE_CLIENT_IP_SOURCE: 'real_ip', AUTH_RATE_LIMIT_MAX: '3' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const login = (headers: Record<string, string>) =>
    t.app.inject({ method: 'POST', url: '/api/auth/login', headers, payload: { email: 'x@example.com', password: 'wrong-password' } });

  it('ignores a spoofed X-Forwarded-For: audit records X-Real-IP, and rotating XFF does not escape the limit', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await login({ 'x-real-ip': '203.0.113.7', 'x-forwarded-for': `198.51.100.${i}` })).statusCode);
    expect(codes).toEqual([401, 401, 401, 429]);
    const limited = await login({ 'x-real-ip': '203.0.113.7', 'x-forwarded-for': '198.51.100.200' });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    const rows = (await t.container.audit.list({ action: 'auth.login' }, 10)).items;
    expect(new Set(rows.map((r) => r.ip))).toEqual(new Set(['203.0.113.7']));
    // Another client (per X-Real-IP from the proxy) has its own budget.
    expect((await login({ 'x-real-ip': '203.0.113.8' })).statusCode).toBe(401);
  });

  it('falls back to the socket address when X-Real-IP is missing or malformed', async () => {
    await login({ 'x-real-ip': 'not an ip', 'x-forwarded-for': '198.51.100.1' });
    const rows = (await t.container.audit.list({ action: 'auth.login' }, 1)).items;
    expect(rows[0]!.ip).toBe('127.0.0.1');
  });
});

describe('general API rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { API_RATE_LIMIT_MAX: '5', HIVE_INTERNAL_TOKEN: 'internal-token-0123456789abcdef0123456789' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('limits each user, not the internal token, and leaves public routes alone', async () => {
    const a = await createTestUser(t, 'viewer');
    const b = await createTestUser(t, 'viewer');
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: a.headers })).statusCode);
    expect(codes.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    const limited = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: a.headers });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: b.headers })).statusCode).toBe(200);
    const internal = { authorization: 'Bearer internal-token-0123456789abcdef0123456789' };
    for (let i = 0; i < 7; i++) expect((await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: internal })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
  });
});
