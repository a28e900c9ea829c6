// POST /api/agents/import: a remote A2A agent by its card URL, fetched through the real egress
// guard (allowlisted here), then proxied by the gateway; never run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rpc, sendMessage, V1 } from '../a2a/rpc.js';
import { startEchoAgent, type ChildAgent } from '../helpers/a2a.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser, type TestUser } from '../helpers/identity.js';

let t: TestApp;
let remote: ChildAgent;
let op: TestUser;

beforeAll(async () => {
  remote = await startEchoAgent({ port: 0 });
  const url = new URL(remote.address);
  t = await createTestApp({ env: { HIVE_EGRESS_FETCH_HOST_ALLOWLIST: url.hostname, HIVE_EGRESS_FETCH_ALLOWED_PORTS: url.port } });
  op = await createTestUser(t, 'operator');
});
afterAll(async () => {
  await t?.close();
  await remote?.stop();
});

describe('import a remote agent', () => {
  it('reads the card through the egress guard, stores a remote agent, and proxies calls to it', async () => {
    const cardUrl = new URL('/.well-known/agent-card.json', remote.address).href;
    const res = await t.app.inject({ method: 'POST', url: '/api/agents/import', headers: op.headers, payload: { cardUrl, slug: 'imported-echo' } });
    expect(res.statusCode, res.body).toBe(201);
    const agent = res.json() as { id: string; kind: string; cardUrl: string; status: string; name: string };
    expect(agent).toMatchObject({ kind: 'remote', cardUrl, status: 'ready' });
    expect(agent.name.length).toBeGreaterThan(0);
    const answer = await rpc(t, '/a2a/agents/imported-echo', sendMessage('over the wire'), { ...V1, authorization: op.headers.authorization });
    expect(answer.status, answer.raw).toBe(200);
    expect(answer.raw).toContain('over the wire');
    const start = await t.app.inject({ method: 'POST', url: `/api/agents/${agent.id}/start`, headers: op.headers });
    expect(start.statusCode).toBe(409);
    expect(start.json()).toMatchObject({ error: { code: 'AGENT_NOT_RUNNABLE' } });
  });

  it('refuses a card URL the egress guard blocks', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/agents/import',
      headers: op.headers,
      payload: { cardUrl: 'http://169.254.169.254/.well-known/agent-card.json', slug: 'metadata' },
    });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect((await t.app.inject({ method: 'GET', url: '/api/agents', headers: op.headers })).body).not.toContain('metadata');
  });
});
