// /api/settings/security: admin only, strict input, and changes reaching a second replica
// (its egress guard included) through the Kv invalidation message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createRedisKv } from '../../src/lib/kv/redis-kv.js';
import type { Kv } from '../../src/lib/kv/kv.js';
import { EgressBlockedError } from '../../src/lib/egress/index.js';
import type { Database } from '../../src/lib/db/database.js';
import { createTestDatabase, createTestKv } from '../helpers/stores.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser } from '../helpers/identity.js';
import { startLoopbackServer, type LoopbackServer } from '../fixtures/loopback-http.js';

const INTERNAL = 'internal-token-for-settings-tests-0123456789';
let admin: Record<string, string>;
let adminId: string;
let operator: Record<string, string>;

let database: Database;
let kvA: Kv & { prefix: string | null };
let kvB: Kv;
let a: TestApp;
let b: TestApp;
let server: LoopbackServer;

beforeAll(async () => {
  server = await startLoopbackServer('127.0.0.1');
  database = await createTestDatabase();
  kvA = await createTestKv();
  // Real Redis: the second replica has its own connection on the same prefix, as in production.
  const redisUrl = inject('redisUrl');
  kvB = redisUrl && kvA.prefix ? await createRedisKv({ url: redisUrl, prefix: kvA.prefix }) : kvA;
  const env = {
    HIVE_INTERNAL_TOKEN: INTERNAL,
    HIVE_EGRESS_FETCH_ALLOWED_PORTS: String(server.port),
    HIVE_EGRESS_FETCH_HOST_ALLOWLIST: 'registry.corp.example',
  };
  a = await createTestApp({ database, kv: kvA, env });
  b = await createTestApp({ database, kv: kvB, env });
  const adminUser = await createTestUser(a, 'admin');
  admin = adminUser.headers;
  adminId = adminUser.user.id;
  operator = (await createTestUser(a, 'operator')).headers;
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  if (kvB && kvB !== kvA) await kvB.close();
  await kvA?.close();
  await database?.close();
  await server?.close();
});

const get = (headers: Record<string, string>) => a.app.inject({ method: 'GET', url: '/api/settings/security', headers });
const patch = (headers: Record<string, string>, payload: unknown) =>
  a.app.inject({ method: 'PATCH', url: '/api/settings/security', headers, payload: payload as object });

describe('/api/settings/security', () => {
  it('is for admins only', async () => {
    expect((await get({})).statusCode).toBe(401);
    expect((await get({ authorization: `Bearer ${INTERNAL}` })).statusCode).toBe(403);
    expect((await get(operator)).statusCode).toBe(403);
    expect((await patch(operator, { instanceName: 'x' })).statusCode).toBe(403);
  });

  it('starts from defaults and shows what is in effect', async () => {
    const res = await get(admin);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      instanceName: null,
      egressHostAllowlist: [],
      workflowCodeNodeMode: 'inherit',
      version: 0,
      updatedAt: null,
      updatedBy: null,
      effective: {
        envEgressHostAllowlist: ['registry.corp.example'],
        egressHostAllowlist: ['registry.corp.example'],
        workflowCodeNodes: { enabled: true, source: 'default', reason: 'on by default outside production' },
      },
    });
  });

  it('saves normalized values and reports the effective policy', async () => {
    const res = await patch(admin, {
      instanceName: '  Production EU  ',
      egressHostAllowlist: ['Hooks.Internal.Example.', '*.svc.cluster.local', 'hooks.internal.example', '[::1]'],
      workflowCodeNodeMode: 'off',
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      instanceName: 'Production EU',
      egressHostAllowlist: ['hooks.internal.example', '*.svc.cluster.local', '::1'],
      workflowCodeNodeMode: 'off',
      version: 1,
      updatedBy: adminId,
    });
    expect(body.effective.egressHostAllowlist).toEqual(['registry.corp.example', 'hooks.internal.example', '*.svc.cluster.local', '::1']);
    expect(body.effective.workflowCodeNodes).toMatchObject({ enabled: false, source: 'setting' });
    expect((await get(admin)).json()).toEqual(body);
    expect(await a.container.settings.workflowCodeNodes()).toMatchObject({ enabled: false });
    expect(await a.container.settings.instanceName()).toBe('Production EU');
  });

  describe('bad input: 400, nothing changed', () => {
    it.each([
      ['an unknown key', { instanceName: 'x', debugMode: true }, 'body'],
      ['a URL as an allowlist entry', { egressHostAllowlist: ['ok.example', 'http://hooks.example/x'] }, 'body.egressHostAllowlist.1'],
      ['a bare wildcard', { egressHostAllowlist: ['*'] }, 'body.egressHostAllowlist.0'],
      ['a host with a port', { egressHostAllowlist: ['hooks.example:8080'] }, 'body.egressHostAllowlist.0'],
      ['too many entries', { egressHostAllowlist: Array.from({ length: 201 }, (_, i) => `h${i}.example`) }, 'body.egressHostAllowlist'],
      ['an oversized entry', { egressHostAllowlist: ['a'.repeat(300)] }, 'body.egressHostAllowlist.0'],
      ['an unknown code-node mode', { workflowCodeNodeMode: 'sometimes' }, 'body.workflowCodeNodeMode'],
      ['a blank instance name', { instanceName: '   ' }, 'body.instanceName'],
      ['a control character', { instanceName: 'evil\u0007name' }, 'body.instanceName'],
      ['an oversized instance name', { instanceName: 'n'.repeat(101) }, 'body.instanceName'],
      ['an empty body', {}, 'body'],
      ['a string instead of a list', { egressHostAllowlist: 'a.example,b.example' }, 'body.egressHostAllowlist'],
    ])('%s', async (_what, payload, field) => {
      const before = (await get(admin)).json();
      const res = await patch(admin, payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_ERROR');
      expect(res.json().error.message).toContain(field);
      expect((await get(admin)).json()).toEqual(before);
    });
  });

  it("reaches the other replica's egress guard without waiting for the cache to expire", async () => {
    const url = `http://localhost:${server.port}/from-replica-b`;
    // Replica B has the current list cached.
    expect(await b.container.settings.egressAllowlist()).not.toContain('localhost');
    await expect(b.container.egress.fetch(url)).rejects.toBeInstanceOf(EgressBlockedError);

    const res = await patch(admin, { egressHostAllowlist: ['localhost'] });
    expect(res.statusCode).toBe(200);
    // Far under the 15 s cache lifetime: the invalidation message did it.
    await expect.poll(() => b.container.settings.egressAllowlist(), { timeout: 3000, interval: 50 }).toEqual(['localhost']);
    const fetched = await b.container.egress.fetch(url);
    expect(await fetched.text()).toBe('hello from /from-replica-b');

    await patch(admin, { egressHostAllowlist: [] });
    await expect.poll(() => b.container.settings.egressAllowlist(), { timeout: 3000, interval: 50 }).toEqual([]);
    // Not even over the keep-alive connection opened while it was allowed.
    await expect(b.container.egress.fetch(`http://localhost:${server.port}/after-removal`)).rejects.toBeInstanceOf(EgressBlockedError);
    expect(server.requests.map((r) => r.path)).not.toContain('/after-removal');
  });

  it('lets HIVE_WORKFLOW_DISABLE_CODE_NODE=true win over an admin "allow"', async () => {
    const forced = await createTestApp({ env: { HIVE_WORKFLOW_DISABLE_CODE_NODE: 'true' } });
    try {
      const forcedAdmin = (await createTestUser(forced, 'admin')).headers;
      const res = await forced.app.inject({
        method: 'PATCH',
        url: '/api/settings/security',
        headers: forcedAdmin,
        payload: { workflowCodeNodeMode: 'allow' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().effective.workflowCodeNodes).toMatchObject({ enabled: false, source: 'env' });
      expect(await forced.container.settings.workflowCodeNodes()).toMatchObject({ enabled: false });
    } finally {
      await forced.close();
    }
  });
});
