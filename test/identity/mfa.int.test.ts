import { sql } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/lib/db/database.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser, loginCookie, originOf, sessionCookieOf, type TestUser } from '../helpers/identity.js';

const codeAt = (secret: string, offsetSteps: number) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: Date.now() + offsetSteps * 30_000 });

describe('MFA (TOTP)', () => {
  let t: TestApp;
  let admin: TestUser;
  let u: TestUser;
  let cookie: string;
  let secret: string;
  let recoveryCodes: string[];
  beforeAll(async () => {
    t = await createTestApp({ env: { AUTH_RATE_LIMIT_MAX: '1000', AUTH_LOCKOUT_MAX_FAILURES: '4' } });
    admin = await createTestUser(t, 'admin');
    u = await createTestUser(t, 'operator');
    cookie = await loginCookie(t, u.email, u.password);
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (url: string, payload: unknown, headers: Record<string, string> = { cookie, ...originOf(t) }) =>
    t.app.inject({ method: 'POST', url, payload: payload as object, headers });
  const login = (extra: Record<string, unknown> = {}) => post('/api/auth/login', { email: u.email, password: u.password, ...extra }, {});

  it('enrols: setup returns a secret kept encrypted at rest, confirm needs a valid code and returns 10 recovery codes', async () => {
    const setup = await post('/api/auth/mfa/setup', undefined);
    expect(setup.statusCode).toBe(200);
    secret = setup.json().secret;
    expect(setup.json().otpauthUrl).toMatch(/^otpauth:\/\/totp\/.*secret=/);
    const rows = await queryRows<{ secret_enc: string }>(t.database.db, sql`select secret_enc from user_mfa where user_id = ${u.user.id}`);
    expect(rows[0]!.secret_enc).not.toContain(secret);
    expect(rows[0]!.secret_enc.startsWith('v1.')).toBe(true);
    // Not enforced before confirmation.
    expect((await login()).json().mfaRequired).toBe(false);

    const wrong = await post('/api/auth/mfa/confirm', { code: '000000' === codeAt(secret, 0) ? '111111' : '000000' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('INVALID_MFA_CODE');
    const ok = await post('/api/auth/mfa/confirm', { code: codeAt(secret, 0) });
    expect(ok.statusCode).toBe(200);
    recoveryCodes = ok.json().recoveryCodes;
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    const status = await t.app.inject({ method: 'GET', url: '/api/auth/mfa', headers: { cookie } });
    expect(status.json()).toEqual({ enabled: true, pending: false, recoveryCodesRemaining: 10 });
    const again = await post('/api/auth/mfa/setup', undefined);
    expect(again.json().error.code).toBe('MFA_ALREADY_ENABLED');
  });

  it('asks for a second step at login; the challenge is not a session', async () => {
    const res = await login();
    expect(res.statusCode).toBe(200);
    expect(res.json().mfaRequired).toBe(true);
    expect(res.headers['set-cookie']).toBeUndefined();
    const challenge = res.json().challenge;
    const asCookie = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: `pilox_session=${challenge}` } });
    expect(asCookie.statusCode).toBe(401);
    const forged = await post('/api/auth/mfa/verify', { challenge: challenge.slice(0, -2) + 'xx', code: codeAt(secret, 1) }, {});
    expect(forged.json().error.code).toBe('INVALID_MFA_CHALLENGE');
  });

  it('accepts a code from the next step once, and refuses its replay with an audit row', async () => {
    const code = codeAt(secret, 1);
    const challenge = (await login()).json().challenge;
    const ok = await post('/api/auth/mfa/verify', { challenge, code }, {});
    expect(ok.statusCode).toBe(200);
    const fresh = sessionCookieOf(ok.headers['set-cookie']);
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: fresh } })).statusCode).toBe(200);

    const replay = await post('/api/auth/mfa/verify', { challenge: (await login()).json().challenge, code }, {});
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe('MFA_CODE_REPLAYED');
    expect(replay.headers['set-cookie']).toBeUndefined();
    const rows = (await t.container.audit.list({ action: 'auth.mfa.verify', outcome: 'failure' }, 1)).items;
    expect(rows[0]).toMatchObject({ targetId: u.user.id, metadata: { reason: 'replayed' } });
    // The same code sent with the password in one request is a replay too.
    expect((await login({ code })).json().error.code).toBe('MFA_CODE_REPLAYED');
  });

  it('accepts each recovery code once', async () => {
    const code = recoveryCodes[0]!;
    const ok = await login({ recoveryCode: code.toUpperCase() });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().mfaRequired).toBe(false);
    const reuse = await login({ recoveryCode: code });
    expect(reuse.json().error.code).toBe('INVALID_MFA_CODE');
    const status = await t.app.inject({ method: 'GET', url: '/api/auth/mfa', headers: { cookie } });
    expect(status.json().recoveryCodesRemaining).toBe(9);
  });

  it('locks MFA after repeated wrong codes', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) codes.push((await login({ recoveryCode: `wrong-${i}` })).json().error.code);
    expect(codes).toEqual(['INVALID_MFA_CODE', 'INVALID_MFA_CODE', 'INVALID_MFA_CODE']);
    const locked = await login({ code: codeAt(secret, -1) });
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('MFA_LOCKED');
  });

  it('disables only with the password and a valid second factor; an admin can reset it', async () => {
    // This user is locked out of MFA now; use an admin reset, then enrol a second user to test disable.
    const reset = await t.app.inject({ method: 'DELETE', url: `/api/users/${u.user.id}/mfa`, headers: admin.headers });
    expect(reset.statusCode).toBe(204);
    expect((await login()).json().mfaRequired).toBe(false);
    expect((await t.container.audit.list({ action: 'auth.mfa.admin_reset' }, 1)).items).toHaveLength(1);

    const v = await createTestUser(t, 'viewer');
    const vCookie = await loginCookie(t, v.email, v.password);
    const h = { cookie: vCookie, ...originOf(t) };
    const s = (await post('/api/auth/mfa/setup', undefined, h)).json().secret;
    const codes = (await post('/api/auth/mfa/confirm', { code: codeAt(s, 0) }, h)).json().recoveryCodes;
    const badPassword = await post('/api/auth/mfa/disable', { password: 'nope', code: codeAt(s, 1) }, h);
    expect(badPassword.json().error.code).toBe('INVALID_CURRENT_PASSWORD');
    const noCode = await post('/api/auth/mfa/disable', { password: v.password }, h);
    expect(noCode.json().error.code).toBe('MFA_CODE_REQUIRED');
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/mfa', headers: h })).json().enabled).toBe(true);
    const off = await post('/api/auth/mfa/disable', { password: v.password, recoveryCode: codes[3] }, h);
    expect(off.statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/mfa', headers: h })).json().enabled).toBe(false);
  });
});
