// The RBAC matrix: every route the app registers (app.routeAccess, collected from each route's
// declared access) is called as anonymous, viewer, operator, admin and the internal token, and
// the answer must match the declaration. A new route is covered automatically; a new public or
// custom route must also be added to the reviewed lists below, so opening an endpoint to
// anonymous callers is always a visible decision.
import { afterAll, describe, expect, it } from 'vitest';
import type { Access, Role } from '../../src/http/access.js';
import { createTestApp } from '../helpers/app.js';
import { createTestUser } from '../helpers/identity.js';

/** Routes anyone may call, reviewed. Keep in sync with docs/identity.md. */
const REVIEWED_PUBLIC = [
  'GET /api/health',
  'GET /api/openapi.json',
  'GET /api/setup/status',
  'POST /api/setup',
  'GET /api/auth/registration-status',
  'POST /api/auth/register',
  'POST /api/auth/login',
  'POST /api/auth/logout',
  'POST /api/auth/mfa/verify',
  'POST /api/auth/password-reset',
  'OPTIONS *',
  // A2A discovery (docs/a2a.md): cards are public metadata; an agent's card is only served to
  // callers who may see the agent.
  'GET /.well-known/agent-card.json',
  'GET /a2a/agents/:slug/.well-known/agent-card.json',
];

/** Routes that authenticate by their own means (signatures, federation JWT), reviewed. */
const REVIEWED_CUSTOM: string[] = [
  // A2A JSON-RPC (docs/a2a.md): A2A_JSONRPC_MIN_ROLE for authenticated callers, anonymous only
  // for allowlisted methods on public agents when A2A_PUBLIC_JSONRPC_ENABLED.
  'POST /a2a/agents/:slug',
  'POST /api/a2a/jsonrpc',
  // Stripe webhooks (docs/billing.md): the Stripe-Signature header over the raw body
  // (STRIPE_WEBHOOK_SECRET); 503 when the secret is unset.
  'POST /api/webhooks/stripe',
];

const INTERNAL = 'rbac-matrix-internal-token-0123456789abcdef';
const t = await createTestApp({ env: { HIVE_INTERNAL_TOKEN: INTERNAL, AUTH_RATE_LIMIT_MAX: '100000', API_RATE_LIMIT_MAX: '0' } });
const users = {
  viewer: await createTestUser(t, 'viewer'),
  operator: await createTestUser(t, 'operator'),
  admin: await createTestUser(t, 'admin'),
};
afterAll(async () => {
  await t.close();
});

type Caller = { name: string; role: Role | null; headers: Record<string, string> };
const callers: Caller[] = [
  { name: 'anonymous', role: null, headers: {} },
  { name: 'viewer', role: 'viewer', headers: users.viewer.headers },
  { name: 'operator', role: 'operator', headers: users.operator.headers },
  { name: 'admin', role: 'admin', headers: users.admin.headers },
  { name: 'internal', role: 'operator', headers: { authorization: `Bearer ${INTERNAL}` } },
];
const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

const routes = t.app.routeAccess.map((r) => ({ ...r, key: `${r.method} ${r.url}` }));
const SAMPLE_ID = '00000000-0000-4000-8000-000000000000';
const concreteUrl = (url: string) => url.replace(/:[A-Za-z0-9_]+/g, SAMPLE_ID).replace(/\*/g, 'x');

async function call(method: string, url: string, headers: Record<string, string>) {
  const hasBody = ['POST', 'PUT', 'PATCH'].includes(method);
  const res = await t.app.inject({ method: method as never, url: concreteUrl(url), headers, ...(hasBody ? { payload: {} } : {}) });
  let code: string | undefined;
  try {
    code = res.json()?.error?.code;
  } catch {}
  return { status: res.statusCode, code };
}

/** What the access layer decided, read from its stable answers. */
function decision(r: { status: number; code?: string }): 'unauthenticated' | 'forbidden' | 'passed' {
  if (r.status === 401 && r.code === 'UNAUTHORIZED') return 'unauthenticated';
  if (r.status === 403 && r.code === 'INSUFFICIENT_ROLE') return 'forbidden';
  return 'passed';
}

function expected(access: Access, caller: Caller): 'unauthenticated' | 'forbidden' | 'passed' | 'not-2xx' {
  if (access === 'public') return 'passed';
  if (access === 'custom') return caller.role === null ? 'not-2xx' : 'passed';
  if (caller.role === null) return 'unauthenticated';
  return RANK[caller.role] >= RANK[access] ? 'passed' : 'forbidden';
}

describe('RBAC matrix', () => {
  it('covers a non-trivial route set, each route once', () => {
    expect(routes.length).toBeGreaterThan(20);
    expect(new Set(routes.map((r) => r.key)).size).toBe(routes.length);
  });

  it.each(routes)('$key ($access)', async (route) => {
    for (const caller of callers) {
      const res = await call(route.method, route.url, caller.headers);
      const want = expected(route.access, caller);
      const context = `${caller.name} → ${route.key}: ${res.status} ${res.code ?? ''}`;
      if (want === 'not-2xx') expect(res.status, context).toBeGreaterThanOrEqual(400);
      else expect(decision(res), context).toBe(want);
    }
  });

  it('every public route is on the reviewed list, and every reviewed public route is still public', () => {
    const publicNow = routes.filter((r) => r.access === 'public').map((r) => r.key).sort();
    expect(publicNow).toEqual([...REVIEWED_PUBLIC].sort());
  });

  it('every custom-auth route is on the reviewed list', () => {
    expect(routes.filter((r) => r.access === 'custom').map((r) => r.key).sort()).toEqual([...REVIEWED_CUSTOM].sort());
  });

  it('keeps the identity administration routes admin-only', () => {
    const adminOnly = ['GET /api/users', 'GET /api/users/:id', 'PATCH /api/users/:id', 'DELETE /api/users/:id', 'POST /api/users/:id/password-reset', 'DELETE /api/users/:id/mfa', 'GET /api/audit-logs'];
    for (const key of adminOnly) expect(routes.find((r) => r.key === key)?.access, key).toBe('admin');
  });

  it('answers public routes for anonymous callers without credentials', async () => {
    for (const key of ['GET /api/health', 'GET /api/openapi.json', 'GET /api/setup/status', 'GET /api/auth/registration-status']) {
      const [method, url] = key.split(' ');
      expect((await call(method!, url!, {})).status, key).toBe(200);
    }
  });
});
