// Viewers see instance agents, but not what only their managers should: plain env (already
// hidden) and, for managed agents, the system prompt and the tool servers (URLs often carry
// keys in their query string).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser, type TestUser } from '../helpers/identity.js';

let t: TestApp;
let op: TestUser;
let viewer: TestUser;

beforeAll(async () => {
  t = await createTestApp();
  [op, viewer] = await Promise.all([createTestUser(t, 'operator'), createTestUser(t, 'viewer')]);
});
afterAll(async () => {
  await t?.close();
});

describe('managed config in agent views', () => {
  it('shows the system prompt and tools to the owner only', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/agents',
      headers: op.headers,
      payload: {
        slug: `mv-${Date.now().toString(36)}`,
        name: 'Managed',
        kind: 'managed',
        visibility: 'instance',
        managed: { model: 'gpt-test', systemPrompt: 'internal instructions: key sk-123', tools: [{ name: 'crm', url: 'https://mcp.example/?api_key=abc' }] },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    const own = await t.app.inject({ method: 'GET', url: `/api/agents/${id}`, headers: op.headers });
    expect(own.json().managed).toMatchObject({ systemPrompt: 'internal instructions: key sk-123', tools: [{ name: 'crm' }] });

    for (const res of [
      await t.app.inject({ method: 'GET', url: `/api/agents/${id}`, headers: viewer.headers }),
      await t.app.inject({ method: 'GET', url: '/api/agents?limit=200', headers: viewer.headers }),
    ]) {
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain('sk-123');
      expect(res.body).not.toContain('api_key=abc');
    }
    expect((await t.app.inject({ method: 'GET', url: `/api/agents/${id}`, headers: viewer.headers })).json().managed).toMatchObject({ model: 'gpt-test' });
  }, 60_000);
});
