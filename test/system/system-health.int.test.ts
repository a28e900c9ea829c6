// GET /api/system/health: signed-in callers see each dependency's probe.
import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/app.js';
import { createTestUser } from '../helpers/identity.js';

const t = await createTestApp();
afterAll(async () => {
  await t.close();
});

describe('GET /api/system/health', () => {
  it('reports the database and kv for a viewer, and is closed to anonymous callers', async () => {
    const viewer = await createTestUser(t, 'viewer');
    const res = await t.app.inject({ method: 'GET', url: '/api/system/health', headers: viewer.headers });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('ok');
    expect(body.services.database).toMatchObject({ ok: true, required: true });
    expect(body.services.kv).toMatchObject({ ok: true, required: true });
    const anon = await t.app.inject({ method: 'GET', url: '/api/system/health' });
    expect(anon.statusCode).toBe(401);
  });
});
