// GET /api/system/health: viewer+, every dependency and runtime driver with the reason one is
// unavailable; 503 only when a required one is down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser, type TestUser } from '../helpers/identity.js';
import type { AgentRuntime } from '../../src/runtime/runtime.js';

describe('system health', () => {
  let t: TestApp;
  let viewer: TestUser;
  beforeAll(async () => {
    t = await createTestApp();
    viewer = await createTestUser(t, 'viewer');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('needs a signed-in viewer', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/system/health' })).statusCode).toBe(401);
  });

  it('reports postgres, redis and each runtime driver; an unconfigured runtime only degrades', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/system/health', headers: viewer.headers });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { status: string; services: Record<string, { ok: boolean; required: boolean; error?: string }> };
    expect(body.services.postgres).toMatchObject({ ok: true, required: true });
    expect(body.services.redis).toMatchObject({ ok: true, required: true });
    expect(body.services['runtime:process']).toMatchObject({ ok: true, required: false });
    expect(body.services['runtime:docker']).toMatchObject({ ok: false, required: false });
    expect(body.services['runtime:docker']!.error).toBeTruthy();
    expect(body.services['runtime:firecracker']).toMatchObject({ ok: false, required: false });
    expect(body.status).toBe('degraded');
  });
});

describe('system health with a required runtime down', () => {
  let t: TestApp;
  let viewer: TestUser;
  const broken: AgentRuntime = {
    name: 'sandbox',
    available: async () => ({ available: false, reason: 'bubblewrap (bwrap) is not installed' }),
  } as AgentRuntime;
  beforeAll(async () => {
    t = await createTestApp({ env: { PILOX_RUNTIME_DEFAULT: 'sandbox' }, overrides: { runtimes: { sandbox: broken } } });
    viewer = await createTestUser(t, 'viewer');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 503 down with the reason', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/system/health', headers: viewer.headers });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      status: 'down',
      services: { 'runtime:sandbox': { ok: false, required: true, error: 'bubblewrap (bwrap) is not installed' } },
    });
  });
});
