// /api/agents with real users: RBAC and visibility, package upload, lifecycle, logs, stats,
// secrets at start, managed agents without a runner, deletion.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser, type TestUser } from '../helpers/identity.js';
import { echoPackage, scriptPackage, upload, waitFor } from './helpers.js';

let t: TestApp;
let admin: TestUser;
let op: TestUser;
let other: TestUser;
let viewer: TestUser;

beforeAll(async () => {
  // No managed-agent runner: this file checks that such agents are refused (MANAGED_RUNNER_UNAVAILABLE).
  t = await createTestApp({ overrides: { managedRunner: null } });
  [admin, op, other, viewer] = await Promise.all([
    createTestUser(t, 'admin'),
    createTestUser(t, 'operator'),
    createTestUser(t, 'operator'),
    createTestUser(t, 'viewer'),
  ]);
});
afterAll(async () => {
  await t?.close();
});

let seq = 0;
async function create(u: TestUser, body: Record<string, unknown> = {}) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/agents',
    headers: u.headers,
    payload: { slug: `agent-${Date.now().toString(36)}-${++seq}`, name: 'Agent', kind: 'package', ...body },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; slug: string; status: string; ownerId: string };
}

const get = (u: TestUser, id: string) => t.app.inject({ method: 'GET', url: `/api/agents/${id}`, headers: u.headers });
const op_ = (u: TestUser, id: string, action: string) => t.app.inject({ method: 'POST', url: `/api/agents/${id}/${action}`, headers: u.headers });

describe('agents API', () => {
  it('hides private agents from others (404), shows instance agents to viewers, lets only owners and admins change them', async () => {
    const a = await create(op);
    expect(a.ownerId).toBe(op.user.id);
    expect(a.status).toBe('created');
    expect((await get(op, a.id)).statusCode).toBe(200);
    expect((await get(admin, a.id)).statusCode).toBe(200);
    expect((await get(other, a.id)).statusCode).toBe(404);
    expect((await get(viewer, a.id)).json()).toMatchObject({ error: { code: 'AGENT_NOT_FOUND' } });
    const list = await t.app.inject({ method: 'GET', url: '/api/agents', headers: viewer.headers });
    expect((list.json() as { items: { id: string }[] }).items.map((i) => i.id)).not.toContain(a.id);

    const patched = await t.app.inject({ method: 'PATCH', url: `/api/agents/${a.id}`, headers: op.headers, payload: { visibility: 'instance', env: { MODE: 'x' } } });
    expect(patched.statusCode, patched.body).toBe(200);
    const seen = await get(viewer, a.id);
    expect(seen.statusCode).toBe(200);
    expect(seen.json()).toMatchObject({ visibility: 'instance', env: {} }); // env only for managers
    expect((await get(op, a.id)).json()).toMatchObject({ env: { MODE: 'x' } });

    expect((await op_(viewer, a.id, 'start')).statusCode).toBe(403);
    const foreign = await op_(other, a.id, 'start');
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json()).toMatchObject({ error: { code: 'AGENT_FORBIDDEN' } });
    const del = await t.app.inject({ method: 'DELETE', url: `/api/agents/${a.id}`, headers: other.headers });
    expect(del.statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: '/api/agents', headers: viewer.headers, payload: { slug: 'v-agent', name: 'v', kind: 'package' } })).statusCode).toBe(403);
  });

  it('refuses a taken slug and invalid input with the field named', async () => {
    const a = await create(op);
    const dup = await t.app.inject({ method: 'POST', url: '/api/agents', headers: other.headers, payload: { slug: a.slug, name: 'x', kind: 'package' } });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ error: { code: 'AGENT_SLUG_TAKEN' } });
    const bad = await t.app.inject({ method: 'POST', url: '/api/agents', headers: op.headers, payload: { slug: 'Bad Slug', name: 'x', kind: 'package' } });
    expect(bad.statusCode).toBe(400);
    const noManaged = await t.app.inject({ method: 'POST', url: '/api/agents', headers: op.headers, payload: { slug: 'managed-nocfg', name: 'x', kind: 'managed' } });
    expect(noManaged.statusCode).toBe(400);
  });

  it('stores an uploaded package with its sha256, refuses what is not a tar.gz, and runs it: ready, stats, logs, pause, resume, restart, stop', async () => {
    const a = await create(op);
    expect((await op_(op, a.id, 'start')).json()).toMatchObject({ error: { code: 'PACKAGE_MISSING' } });
    const junk = await upload(t, op.headers.authorization, a.id, Buffer.from('not a tarball'));
    expect(junk.statusCode).toBe(400);
    expect(junk.json()).toMatchObject({ error: { code: 'PACKAGE_INVALID' } });

    const pkg = await echoPackage();
    const { createHash } = await import('node:crypto');
    const up = await upload(t, op.headers.authorization, a.id, pkg);
    expect(up.statusCode, up.body).toBe(200);
    expect(up.json()).toMatchObject({ package: { sha256: createHash('sha256').update(pkg).digest('hex'), bytes: pkg.length, entry: 'server.mjs' } });

    const started = await op_(op, a.id, 'start');
    expect(started.statusCode, started.body).toBe(200);
    expect(started.json()).toMatchObject({ status: 'ready', desiredState: 'running' });
    // Starting again is a no-op, never a second instance.
    expect((await op_(op, a.id, 'start')).json()).toMatchObject({ status: 'ready' });

    const stats = await t.app.inject({ method: 'GET', url: `/api/agents/${a.id}/stats`, headers: op.headers });
    expect(stats.statusCode).toBe(200);
    expect((stats.json() as { memoryBytes: number }).memoryBytes).toBeGreaterThan(0);

    const logs = await t.app.inject({ method: 'GET', url: `/api/agents/${a.id}/logs?tail=20`, headers: op.headers });
    expect(logs.statusCode).toBe(200);
    expect(logs.headers['content-type']).toContain('text/event-stream');
    expect(logs.body).toContain('listening on');
    expect((await t.app.inject({ method: 'GET', url: `/api/agents/${a.id}/logs`, headers: viewer.headers })).statusCode).toBe(403);

    expect((await op_(op, a.id, 'pause')).json()).toMatchObject({ status: 'paused' });
    expect((await op_(op, a.id, 'resume')).json()).toMatchObject({ status: 'ready' });
    expect((await op_(op, a.id, 'restart')).json()).toMatchObject({ status: 'ready' });
    expect((await op_(op, a.id, 'stop')).json()).toMatchObject({ status: 'stopped', desiredState: 'stopped' });
    expect((await op_(op, a.id, 'pause')).statusCode).toBe(409);
  });

  it('records a crash as error with its exit code', async () => {
    const a = await create(op, { restartPolicy: 'never' });
    expect((await upload(t, op.headers.authorization, a.id, await scriptPackage("console.log('bye'); process.exit(7);\n"))).statusCode).toBe(200);
    await op_(op, a.id, 'start');
    const after = await waitFor(async () => (await get(op, a.id)).json() as { status: string; lastExitCode: number | null }, (v) => v.status === 'error');
    expect(after).toMatchObject({ status: 'error', lastExitCode: 7, lastExitReason: 'exited with code 7' });
  });

  it('resolves secret refs only at start, refuses unknown ones, and deletes agent secrets with the agent', async () => {
    const a = await create(op, { secretRefs: ['API_KEY'], restartPolicy: 'never' });
    await upload(t, op.headers.authorization, a.id, await scriptPackage("console.log('key=' + process.env.API_KEY); process.exit(0);\n"));
    const missing = await op_(op, a.id, 'start');
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ error: { code: 'SECRETS_MISSING' } });
    const secret = await t.app.inject({ method: 'POST', url: '/api/secrets', headers: op.headers, payload: { name: 'API_KEY', value: 's3cr3t', agentId: a.id } });
    expect(secret.statusCode, secret.body).toBe(201);
    await op_(op, a.id, 'start');
    const after = await waitFor(async () => (await get(op, a.id)).json() as { status: string }, (v) => v.status === 'stopped');
    expect(after.status).toBe('stopped');
    const logs = await t.app.inject({ method: 'GET', url: `/api/agents/${a.id}/logs`, headers: op.headers });
    expect(logs.body).toContain('key=s3cr3t');
    expect(JSON.stringify((await get(op, a.id)).json())).not.toContain('s3cr3t');

    expect((await t.app.inject({ method: 'DELETE', url: `/api/agents/${a.id}`, headers: op.headers })).statusCode).toBe(204);
    expect((await get(op, a.id)).statusCode).toBe(404);
    const left = await t.app.inject({ method: 'GET', url: `/api/secrets?agentId=${a.id}`, headers: op.headers });
    expect((left.json() as { items: unknown[] }).items).toEqual([]);
  });

  it('refuses to start a managed agent when no runner is wired', async () => {
    const a = await create(op, { kind: 'managed', managed: { model: 'gpt-test' } });
    const res = await op_(op, a.id, 'start');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: { code: 'MANAGED_RUNNER_UNAVAILABLE' } });
  });

  it('lets admins run any agent', async () => {
    const a = await create(op);
    await upload(t, op.headers.authorization, a.id, await echoPackage());
    expect((await op_(admin, a.id, 'start')).json()).toMatchObject({ status: 'ready' });
    expect((await t.app.inject({ method: 'DELETE', url: `/api/agents/${a.id}`, headers: admin.headers })).statusCode).toBe(204);
  });
});
