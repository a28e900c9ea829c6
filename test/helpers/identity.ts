// Accounts and credentials for integration tests, made through the real services (nothing is
// faked): a user of a role with an API token, or a signed-in session cookie.
import { randomBytes } from 'node:crypto';
import type { Role } from '../../src/http/access.js';
import type { PublicUser } from '../../src/modules/users/users.service.js';
import type { TestApp } from './app.js';

export interface TestUser {
  user: PublicUser;
  email: string;
  password: string;
  /** A `pilox_…` API token of the user's role. */
  token: string;
  /** `{ authorization: 'Bearer pilox_…' }` for app.inject(). */
  headers: { authorization: string };
}

let seq = 0;

export async function createTestUser(t: TestApp, role: Role, opts: { email?: string; password?: string; name?: string } = {}): Promise<TestUser> {
  const email = opts.email ?? `${role}-${++seq}-${randomBytes(3).toString('hex')}@example.com`;
  const password = opts.password ?? `pw-${randomBytes(8).toString('hex')}`;
  const user = await t.container.users.create({ email, name: opts.name ?? `${role} ${seq}`, password, role }, { actor: null });
  const { token } = await t.container.tokens.create({ ownerId: user.id, name: 'test' }, { actor: null });
  return { user, email, password, token, headers: { authorization: `Bearer ${token}` } };
}

/** Signs in through POST /api/auth/login and returns the `Cookie` header value. */
export async function loginCookie(t: TestApp, email: string, password: string): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  return sessionCookieOf(res.headers['set-cookie']);
}

/** `pilox_session=…` from a Set-Cookie header. */
export function sessionCookieOf(setCookie: string | string[] | undefined): string {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const c = all.find((v) => v.startsWith('pilox_session='));
  if (!c) throw new Error('no session cookie was set');
  return c.split(';')[0]!;
}

/** The Origin header a browser on AUTH_URL sends (needed by state-changing cookie requests). */
export function originOf(t: TestApp): { origin: string } {
  return { origin: new URL(t.config.AUTH_URL ?? 'http://localhost:8080').origin };
}
