// End to end: the echo agent packaged as a tar.gz, uploaded, started in the sandbox, called
// through the A2A gateway (POST /a2a/agents/:slug), stopped. The gateway resolves agents through
// the agents module's AgentDirectory (nothing overridden).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxDriver } from '../../src/runtime/sandbox-driver.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser, type TestUser } from '../helpers/identity.js';
import { rpc, sendMessage, V1 } from '../a2a/rpc.js';
import { echoPackage, upload } from './helpers.js';

const sandbox = await createSandboxDriver({ uid: 65534 }).available();
if (!sandbox.available) console.warn(`a2a e2e on the sandbox runtime skipped: ${sandbox.reason}`);

describe.skipIf(!sandbox.available)('package agent in the sandbox, called through the A2A gateway', () => {
  let t: TestApp;
  let op: TestUser;
  let viewer: TestUser;
  let other: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    [op, viewer, other] = await Promise.all([createTestUser(t, 'operator'), createTestUser(t, 'viewer'), createTestUser(t, 'operator')]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('uploads, starts, answers over A2A, honours visibility, stops', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/agents',
      headers: op.headers,
      payload: { slug: 'e2e-echo', name: 'Echo', kind: 'package', runtime: 'sandbox', visibility: 'private' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json() as { id: string };
    expect((await upload(t, op.headers.authorization, id, await echoPackage())).statusCode).toBe(200);
    const started = await t.app.inject({ method: 'POST', url: `/api/agents/${id}/start`, headers: op.headers });
    expect(started.json(), started.body).toMatchObject({ status: 'ready', runtime: 'sandbox' });

    const answer = await rpc(t, '/a2a/agents/e2e-echo', sendMessage('hello sandbox'), { ...V1, authorization: op.headers.authorization });
    expect(answer.status, answer.raw).toBe(200);
    expect(answer.raw).toContain('hello sandbox');

    // Private: another operator and a viewer do not learn it exists.
    expect((await rpc(t, '/a2a/agents/e2e-echo', sendMessage('x'), { ...V1, authorization: other.headers.authorization })).status).toBe(404);
    expect((await rpc(t, '/a2a/agents/e2e-echo', sendMessage('x'), { ...V1, authorization: viewer.headers.authorization })).status).toBe(404);
    await t.app.inject({ method: 'PATCH', url: `/api/agents/${id}`, headers: op.headers, payload: { visibility: 'instance' } });
    const asViewer = await rpc(t, '/a2a/agents/e2e-echo', sendMessage('from a viewer'), { ...V1, authorization: viewer.headers.authorization });
    expect(asViewer.status).toBe(200);
    expect(asViewer.raw).toContain('from a viewer');

    const dir = t.container.agents.directory;
    const federation = { kind: 'federation' as const, peerOrigin: 'https://peer.example', role: 'viewer' as const };
    expect((await dir.resolveForCall('e2e-echo', federation)).agent.slug).toBe('e2e-echo');
    await expect(dir.resolveForCall('e2e-echo', { kind: 'anonymous' })).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' });
    expect((await dir.listVisible({ kind: 'anonymous' })).map((a) => a.slug)).not.toContain('e2e-echo');
    await t.app.inject({ method: 'PATCH', url: `/api/agents/${id}`, headers: op.headers, payload: { visibility: 'public' } });
    expect((await dir.listVisible({ kind: 'anonymous' })).map((a) => a.slug)).toContain('e2e-echo');
    const card = await t.app.inject({ method: 'GET', url: '/a2a/agents/e2e-echo/.well-known/agent-card.json' });
    expect(card.statusCode, card.body).toBe(200);

    const stopped = await t.app.inject({ method: 'POST', url: `/api/agents/${id}/stop`, headers: op.headers });
    expect(stopped.json()).toMatchObject({ status: 'stopped' });
    const down = await rpc(t, '/a2a/agents/e2e-echo', sendMessage('x'), { ...V1, authorization: op.headers.authorization });
    expect(down.status).toBe(503);
  });
});
