import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import type { App } from '../../src/http/app.js';

const INTERNAL = 'internal-token-for-tests-0123456789abcdef';

function routes(app: App) {
  app.get('/api/__whoami', { config: { access: 'viewer' } }, async (req) => ({ principal: req.principal }));
  app.get('/api/__admin', { config: { access: 'admin' } }, async () => ({ ok: true }));
  app.get('/api/__public', { config: { access: 'public' } }, async (req) => ({ kind: req.principal.kind }));
}

describe('access control', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { HIVE_INTERNAL_TOKEN: INTERNAL }, extend: routes });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses anonymous callers on role routes with 401', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/__whoami' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('UNAUTHORIZED');
  });

  it('treats HIVE_INTERNAL_TOKEN as an operator (hive-internal)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/__whoami', headers: { authorization: `Bearer ${INTERNAL}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json().principal).toEqual({ kind: 'internal', id: 'hive-internal', role: 'operator' });
    const admin = await t.app.inject({ method: 'GET', url: '/api/__admin', headers: { authorization: `Bearer ${INTERNAL}` } });
    expect(admin.statusCode).toBe(403);
    expect(admin.json().error.code).toBe('INSUFFICIENT_ROLE');
  });

  it('does not accept a wrong internal token', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/__whoami', headers: { authorization: `Bearer ${INTERNAL}x` } });
    expect(res.statusCode).toBe(401);
  });

  it('lets anyone call public routes', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/__public' });
    expect(res.json()).toEqual({ kind: 'anonymous' });
  });

  it('refuses to register an /api route without an access decision', async () => {
    await expect(
      createTestApp({
        extend: (app) => {
          app.get('/api/__undecided', async () => ({}));
        },
      }),
    ).rejects.toThrow(/declares no access/);
  });
});
