// /api/secrets end to end on the run's stores: write-only values, owner scoping, agent scope,
// bad input refused with nothing written.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/lib/db/database.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser } from '../helpers/identity.js';

const INTERNAL = 'internal-token-for-secrets-tests-0123456789';
const internal = { authorization: `Bearer ${INTERNAL}` };
let alice: Record<string, string>;
let bob: Record<string, string>;
let viewer: Record<string, string>;
let aliceId: string;
let bobId: string;

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ env: { HIVE_INTERNAL_TOKEN: INTERNAL } });
  const a = await createTestUser(t, 'operator');
  const b = await createTestUser(t, 'operator');
  alice = a.headers;
  aliceId = a.user.id;
  bob = b.headers;
  bobId = b.user.id;
  viewer = (await createTestUser(t, 'viewer')).headers;
});
afterAll(async () => {
  await t?.close();
});

async function rawRows(): Promise<{ id: string; owner_id: string; value_enc: string }[]> {
  return queryRows(t.database.db, sql`select id, owner_id, value_enc from secrets order by created_at`);
}

function call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, headers: Record<string, string>, payload?: unknown) {
  return t.app.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
}

describe('/api/secrets', () => {
  it('is described in the OpenAPI document', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const paths = res.json().paths;
    expect(Object.keys(paths['/api/secrets'])).toEqual(expect.arrayContaining(['get', 'post']));
    expect(Object.keys(paths['/api/secrets/{id}'])).toEqual(expect.arrayContaining(['get', 'patch', 'delete']));
    expect(Object.keys(paths['/api/settings/security'])).toEqual(expect.arrayContaining(['get', 'patch']));
    expect(JSON.stringify(paths['/api/secrets'].get.responses)).not.toContain('"value"');
  });

  it('requires an operator', async () => {
    expect((await call('GET', '/api/secrets', {})).statusCode).toBe(401);
    const res = await call('GET', '/api/secrets', viewer);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('INSUFFICIENT_ROLE');
  });

  it('stores the value encrypted and never returns it', async () => {
    const plaintext = 'sk-live-very-secret-value';
    const res = await call('POST', '/api/secrets', internal, { name: 'OPENAI_API_KEY', value: plaintext, description: 'for the writer agent' });
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created).toMatchObject({ name: 'OPENAI_API_KEY', description: 'for the writer agent', agentId: null });
    expect(created).not.toHaveProperty('value');
    expect(res.body).not.toContain(plaintext);

    const [row] = (await rawRows()).filter((r) => r.id === created.id);
    expect(row!.owner_id).toBe('hive-internal');
    expect(row!.value_enc.startsWith(`v1.${t.container.secretBox.currentKeyId}.`)).toBe(true);
    expect(row!.value_enc).not.toContain(plaintext);

    for (const url of ['/api/secrets', `/api/secrets/${created.id}`]) {
      const got = await call('GET', url, internal);
      expect(got.statusCode).toBe(200);
      expect(got.body).not.toContain(plaintext);
      expect(got.body).not.toContain('v1.');
    }
    expect(await t.container.secrets.resolveForAgent('hive-internal', randomUUID(), ['OPENAI_API_KEY'])).toEqual({ OPENAI_API_KEY: plaintext });
  });

  it('updates the value, the name and the description', async () => {
    const { id, valueUpdatedAt } = (await call('POST', '/api/secrets', alice, { name: 'TOKEN', value: 'one' })).json();
    await new Promise((r) => setTimeout(r, 5));
    const res = await call('PATCH', `/api/secrets/${id}`, alice, { value: 'two', description: null });
    expect(res.statusCode).toBe(200);
    expect(res.json().valueUpdatedAt > valueUpdatedAt).toBe(true);
    const renamed = await call('PATCH', `/api/secrets/${id}`, alice, { name: 'TOKEN_2' });
    expect(renamed.json().name).toBe('TOKEN_2');
    expect(await t.container.secrets.resolveForAgent(aliceId, randomUUID(), ['TOKEN_2'])).toEqual({ TOKEN_2: 'two' });
  });

  it("answers 404 for another owner's secret and changes nothing", async () => {
    const { id } = (await call('POST', '/api/secrets', alice, { name: 'ALICE_ONLY', value: 'a' })).json();
    for (const [method, payload] of [['GET'], ['PATCH', { value: 'stolen' }], ['DELETE']] as const) {
      const res = await call(method, `/api/secrets/${id}`, bob, payload);
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('SECRET_NOT_FOUND');
    }
    const list = (await call('GET', '/api/secrets', bob)).json();
    expect(list.items.map((s: { id: string }) => s.id)).not.toContain(id);
    expect(await t.container.secrets.resolveForAgent(aliceId, randomUUID(), ['ALICE_ONLY'])).toEqual({ ALICE_ONLY: 'a' });
  });

  it('refuses a duplicate name in the same scope (409) but allows it per agent', async () => {
    const agentA = randomUUID();
    const agentB = randomUUID();
    expect((await call('POST', '/api/secrets', bob, { name: 'DB_PASSWORD', value: 'global' })).statusCode).toBe(201);
    const dup = await call('POST', '/api/secrets', bob, { name: 'DB_PASSWORD', value: 'again' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.code).toBe('SECRET_EXISTS');
    expect((await call('POST', '/api/secrets', bob, { name: 'DB_PASSWORD', value: 'for-a', agentId: agentA })).statusCode).toBe(201);
    expect((await call('POST', '/api/secrets', bob, { name: 'DB_PASSWORD', value: 'dup-a', agentId: agentA })).statusCode).toBe(409);

    expect(await t.container.secrets.resolveForAgent(bobId, agentA, ['DB_PASSWORD'])).toEqual({ DB_PASSWORD: 'for-a' });
    expect(await t.container.secrets.resolveForAgent(bobId, agentB, ['DB_PASSWORD'])).toEqual({ DB_PASSWORD: 'global' });
    await expect(t.container.secrets.resolveForAgent(bobId, agentB, ['DB_PASSWORD', 'NOPE', 'ALSO_NOPE'])).rejects.toMatchObject({
      code: 'SECRETS_MISSING',
      status: 400,
      details: { missing: ['NOPE', 'ALSO_NOPE'] },
    });
    const scoped = (await call('GET', `/api/secrets?agentId=${agentA}`, bob)).json();
    expect(scoped.items).toHaveLength(1);
    expect(scoped.items[0].agentId).toBe(agentA);

    const rename = await call('PATCH', `/api/secrets/${scoped.items[0].id}`, bob, { name: 'DB_PASSWORD' });
    expect(rename.statusCode).toBe(200); // same name, same scope: no conflict with itself
    expect(await t.container.secrets.deleteForAgent(agentA)).toBe(1);
    expect(await t.container.secrets.resolveForAgent(bobId, agentA, ['DB_PASSWORD'])).toEqual({ DB_PASSWORD: 'global' });
  });

  it('renaming onto an existing name is a 409', async () => {
    const user = (await createTestUser(t, 'admin')).headers;
    await call('POST', '/api/secrets', user, { name: 'FIRST', value: '1' });
    const { id } = (await call('POST', '/api/secrets', user, { name: 'SECOND', value: '2' })).json();
    const res = await call('PATCH', `/api/secrets/${id}`, user, { name: 'FIRST' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('SECRET_EXISTS');
  });

  it('pages through a list with a cursor', async () => {
    const user = (await createTestUser(t, 'operator')).headers;
    for (const n of ['E', 'A', 'C', 'B', 'D']) await call('POST', '/api/secrets', user, { name: `PAGE_${n}`, value: n });
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { name: string }[]; nextCursor: string | null } = (
        await call('GET', `/api/secrets?limit=2${cursor ? `&cursor=${cursor}` : ''}`, user)
      ).json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      names.push(...page.items.map((s) => s.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(names).toEqual(['PAGE_A', 'PAGE_B', 'PAGE_C', 'PAGE_D', 'PAGE_E']);
  });

  it('deletes', async () => {
    const { id } = (await call('POST', '/api/secrets', alice, { name: 'TO_DELETE', value: 'x' })).json();
    expect((await call('DELETE', `/api/secrets/${id}`, alice)).statusCode).toBe(204);
    expect((await call('GET', `/api/secrets/${id}`, alice)).statusCode).toBe(404);
    expect((await call('DELETE', `/api/secrets/${id}`, alice)).statusCode).toBe(404);
  });

  describe('bad input: 400 naming the field, nothing written', () => {
    const euro = '€'.repeat(30_000); // 30 000 characters, 90 000 bytes
    it.each([
      ['invalid name', { name: '1BAD-NAME', value: 'x' }, 'body.name'],
      ['name too long', { name: 'A'.repeat(129), value: 'x' }, 'body.name'],
      ['missing value', { name: 'OK' }, 'body.value'],
      ['value over the character limit', { name: 'OK', value: 'x'.repeat(65_537) }, 'body.value'],
      ['value over the byte limit', { name: 'OK', value: euro }, 'body.value'],
      ['unknown key', { name: 'OK', value: 'x', owner: 'someone-else' }, 'body'],
      ['agentId not a uuid', { name: 'OK', value: 'x', agentId: 'agent-1' }, 'body.agentId'],
      ['value not a string', { name: 'OK', value: 42 }, 'body.value'],
    ])('POST with %s', async (_what, payload, field) => {
      const before = (await rawRows()).length;
      const res = await call('POST', '/api/secrets', alice, payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_ERROR');
      expect(res.json().error.message).toContain(field);
      expect((await rawRows()).length).toBe(before);
    });

    it('PATCH with nothing, an unknown key or a bad id', async () => {
      const { id } = (await call('POST', '/api/secrets', alice, { name: 'PATCH_ME', value: 'keep' })).json();
      for (const [url, payload] of [
        [`/api/secrets/${id}`, {}],
        [`/api/secrets/${id}`, { value: 'new', agentId: randomUUID() }],
        [`/api/secrets/${id}`, { value: '€'.repeat(30_000) }],
        ['/api/secrets/not-a-uuid', { value: 'new' }],
      ] as const) {
        const res = await call('PATCH', url, alice, payload);
        expect(res.statusCode).toBe(400);
      }
      expect(await t.container.secrets.resolveForAgent(aliceId, randomUUID(), ['PATCH_ME'])).toEqual({ PATCH_ME: 'keep' });
    });

    it('GET with a forged cursor or a limit out of range', async () => {
      expect((await call('GET', '/api/secrets?cursor=bm9wZQ', alice)).statusCode).toBe(400);
      expect((await call('GET', '/api/secrets?limit=1000', alice)).statusCode).toBe(400);
    });
  });
});
