// The process runtime runs an agent WITHOUT isolation, as the Pilox process user (root when the
// sandbox is in use): an operator opting out of the sandbox for their own package would run
// their code with every secret of the instance. Only admins may choose it explicitly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser, type TestUser } from '../helpers/identity.js';

let t: TestApp;
let admin: TestUser;
let op: TestUser;

beforeAll(async () => {
  t = await createTestApp();
  [admin, op] = await Promise.all([createTestUser(t, 'admin'), createTestUser(t, 'operator')]);
});
afterAll(async () => {
  await t?.close();
});

let seq = 0;
const create = (u: TestUser, body: Record<string, unknown>) =>
  t.app.inject({
    method: 'POST',
    url: '/api/agents',
    headers: u.headers,
    payload: { slug: `rt-${Date.now().toString(36)}-${++seq}`, name: 'Agent', kind: 'package', ...body },
  });

describe('choosing the unsandboxed process runtime', () => {
  it('is refused to operators on create and update, allowed to admins', async () => {
    const refused = await create(op, { runtime: 'process' });
    expect(refused.statusCode, refused.body).toBe(403);
    expect(refused.json()).toMatchObject({ error: { code: 'AGENT_RUNTIME_FORBIDDEN' } });

    const mine = await create(op, { runtime: 'sandbox' });
    expect(mine.statusCode, mine.body).toBe(201);
    const patched = await t.app.inject({ method: 'PATCH', url: `/api/agents/${mine.json().id}`, headers: op.headers, payload: { runtime: 'process' } });
    expect(patched.statusCode, patched.body).toBe(403);
    const unchanged = await t.app.inject({ method: 'PATCH', url: `/api/agents/${mine.json().id}`, headers: op.headers, payload: { name: 'Renamed' } });
    expect(unchanged.statusCode, unchanged.body).toBe(200);

    const byAdmin = await create(admin, { runtime: 'process' });
    expect(byAdmin.statusCode, byAdmin.body).toBe(201);
  }, 60_000);
});
