// Who may call what: cards by visibility, A2A_JSONRPC_MIN_ROLE, task ownership (A2A §3.3.2:
// other callers get TaskNotFound), rate limits, public JSON-RPC, and the status summary.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestDirectory, startEchoAgent, testUsers, type ChildAgent } from '../helpers/a2a.js';
import { createTestUser, loginCookie, originOf } from '../helpers/identity.js';
import type { Authenticator } from '../../src/http/plugins/access-control.js';
import { call, rpc, sendMessage, V1 } from './rpc.js';
import type { Role } from '../../src/http/access.js';

const INTERNAL = 'internal-token-for-a2a-tests-0123456789';

let echo: ChildAgent & { socketPath?: string };
let directory: ReturnType<typeof createTestDirectory>;
let unix: { kind: 'unix'; socketPath: string };

/** Users are per database: each app gets its own, and the private agent belongs to its alice. */
async function usersOf(t: TestApp) {
  const users = testUsers(t);
  directory.add({ slug: 'secret', visibility: 'private', ownerId: await users.id('alice') }, unix);
  return users;
}

beforeAll(async () => {
  echo = await startEchoAgent();
  directory = createTestDirectory();
  unix = { kind: 'unix' as const, socketPath: echo.socketPath! };
  directory.add({ slug: 'echo', visibility: 'instance' }, unix);
  directory.add({ slug: 'pub', visibility: 'public', skills: [{ id: 'talk', name: 'Talk', description: 'talks', tags: ['chat'] }] }, unix);
});
afterAll(async () => {
  await echo?.stop();
});

const app = (env: Record<string, string> = {}) =>
  createTestApp({ env: { HIVE_INTERNAL_TOKEN: INTERNAL, API_RATE_LIMIT_MAX: '0', ...env }, overrides: { agentDirectory: directory } });

describe('A2A cards and status', () => {
  let t: TestApp;
  let users: Awaited<ReturnType<typeof usersOf>>;
  const tok = (name: string, role?: Role) => users.auth(name, role);
  beforeAll(async () => {
    t = await app();
    users = await usersOf(t);
  });
  afterAll(async () => t?.close());

  const get = async (url: string, headers: Record<string, string> = {}) => {
    const res = await t.app.inject({ method: 'GET', url, headers });
    return { status: res.statusCode, body: res.json(), headers: res.headers };
  };

  it('serves the platform card publicly: 0.3 without a version, agents the caller may see as skills', async () => {
    const anon = await get('/.well-known/agent-card.json');
    expect(anon.status).toBe(200);
    expect(anon.body).toMatchObject({ protocolVersion: '0.3', name: 'Pilox', url: 'http://localhost:8080/api/a2a/jsonrpc' });
    expect(anon.body.skills.map((s: { id: string }) => s.id)).toEqual(['pub']);
    expect(anon.headers.vary).toContain('A2A-Version');
    const bob = await get('/.well-known/agent-card.json', { authorization: await tok('bob'), 'a2a-version': '1.0' });
    expect(bob.body.supportedInterfaces).toEqual([
      { url: 'http://localhost:8080/api/a2a/jsonrpc', protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
      { url: 'http://localhost:8080/api/a2a/jsonrpc', protocolBinding: 'JSONRPC', protocolVersion: '0.3' },
    ]);
    expect(bob.body.skills.map((s: { id: string }) => s.id).sort()).toEqual(['echo', 'pub']);
    const alice = await get('/.well-known/agent-card.json', { authorization: await tok('alice'), 'a2a-version': '1.0' });
    expect(alice.body.skills.map((s: { id: string }) => s.id).sort()).toEqual(['echo', 'pub', 'secret']);
  });

  it('serves per-agent cards only to callers who may see the agent', async () => {
    expect((await get('/a2a/agents/pub/.well-known/agent-card.json')).status).toBe(200);
    const hidden = await get('/a2a/agents/echo/.well-known/agent-card.json');
    expect(hidden.status).toBe(404);
    expect(hidden.body.error.code).toBe('AGENT_NOT_FOUND');
    expect((await get('/a2a/agents/secret/.well-known/agent-card.json', { authorization: await tok('bob') })).status).toBe(404);
    const own = await get('/a2a/agents/secret/.well-known/agent-card.json', { authorization: await tok('alice'), 'a2a-version': '1.0' });
    expect(own.status).toBe(200);
    expect(own.body.skills.map((s: { id: string }) => s.id)).toEqual(['echo']); // the agent's own card
    const extended = await rpc(t, '/a2a/agents/echo', call('GetExtendedAgentCard', {}), { authorization: await tok('bob'), ...V1 });
    expect(extended.body.result).toMatchObject({ name: 'echo', skills: [{ id: 'echo' }] });
    const pub = await get('/a2a/agents/pub/.well-known/agent-card.json', { 'a2a-version': '1.0' });
    expect(pub.body.skills).toEqual([{ id: 'talk', name: 'Talk', description: 'talks', tags: ['chat'] }]);
    expect(pub.body.securitySchemes.bearer.httpAuthSecurityScheme.scheme).toBe('Bearer');
  });

  it('GET /api/a2a/status: viewer and up, no secrets', async () => {
    expect((await get('/api/a2a/status')).status).toBe(401);
    const r = await get('/api/a2a/status', { authorization: await tok('v', 'viewer') });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      enabled: true,
      protocolVersions: ['1.0', '0.3'],
      taskStore: t.config.A2A_TASK_STORE,
      jsonrpcMinRole: 'viewer',
      publicJsonRpc: { enabled: false },
      pushNotifications: { egressConfigured: true },
    });
    expect(JSON.stringify(r.body)).not.toContain(INTERNAL);
  });
});

describe('A2A callers and task ownership', () => {
  let t: TestApp;
  let users: Awaited<ReturnType<typeof usersOf>>;
  const tok = (name: string, role?: Role) => users.auth(name, role);
  beforeAll(async () => {
    t = await app();
    users = await usersOf(t);
  });
  afterAll(async () => t?.close());

  it('refuses anonymous JSON-RPC with 401 and a JSON-RPC error', async () => {
    const r = await rpc(t, '/a2a/agents/pub', sendMessage('x'), V1);
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ jsonrpc: '2.0', error: { code: -32040 } });
  });

  it('shows a task only to the identity that created it, and to admins (others get TaskNotFound)', async () => {
    const alice = { authorization: await tok('alice'), ...V1 };
    const bob = { authorization: await tok('bob'), ...V1 };
    const created = await rpc(t, '/a2a/agents/echo', sendMessage('mine'), alice);
    const taskId = (created.body.result!.task as { id: string }).id;
    expect((await rpc(t, '/a2a/agents/echo', call('GetTask', { id: taskId }), alice)).body.result).toMatchObject({ id: taskId });
    expect((await rpc(t, '/a2a/agents/echo', call('GetTask', { id: taskId }), bob)).body.error?.code).toBe(-32001);
    expect((await rpc(t, '/a2a/agents/echo', call('CancelTask', { id: taskId }), bob)).body.error?.code).toBe(-32001);
    expect((await rpc(t, '/a2a/agents/echo', call('SubscribeToTask', { id: taskId }), bob)).body.error?.code).toBe(-32001);
    expect((await rpc(t, '/a2a/agents/echo', call('ListTaskPushNotificationConfigs', { taskId }), bob)).body.error?.code).toBe(-32001);
    const follow = sendMessage('again', {}, { taskId });
    expect((await rpc(t, '/a2a/agents/echo', follow, bob)).body.error?.code).toBe(-32001);
    const bobList = await rpc(t, '/a2a/agents/echo', call('ListTasks', {}), bob);
    expect((bobList.body.result!.tasks as { id: string }[]).map((x) => x.id)).not.toContain(taskId);
    const internal = { authorization: `Bearer ${INTERNAL}`, ...V1 };
    expect((await rpc(t, '/a2a/agents/echo', call('GetTask', { id: taskId }), internal)).body.error?.code).toBe(-32001);
    const admin = { authorization: await tok('root', 'admin'), ...V1 };
    expect((await rpc(t, '/a2a/agents/echo', call('GetTask', { id: taskId }), admin)).body.result).toMatchObject({ id: taskId });
    // The same task id through another agent's endpoint is not the same task.
    expect((await rpc(t, '/a2a/agents/pub', call('GetTask', { id: taskId }), alice)).body.error?.code).toBe(-32001);
  });

  it('keeps serving stored tasks while the agent is stopped, refuses new messages with 503', async () => {
    const me = { authorization: await tok('carol'), ...V1 };
    const created = await rpc(t, '/a2a/agents/echo', sendMessage('before stop'), me);
    const taskId = (created.body.result!.task as { id: string }).id;
    directory.setRunning('echo', false);
    try {
      const refused = await rpc(t, '/a2a/agents/echo', sendMessage('after stop'), me);
      expect(refused.status).toBe(503);
      expect(refused.body.error?.code).toBe(-32053);
      expect((await rpc(t, '/a2a/agents/echo', call('GetTask', { id: taskId }), me)).body.result).toMatchObject({ id: taskId });
    } finally {
      directory.setRunning('echo', true);
    }
  });

  it('offers the same call to other modules through the internal API', async () => {
    const principal = { kind: 'user' as const, userId: 'dave', email: 'd@x', role: 'viewer' as const, via: 'session' as const };
    const sent = await t.container.a2a.sendMessage('echo', principal, { text: 'internal' });
    expect(sent).toMatchObject({ task: { status: { state: 'TASK_STATE_COMPLETED' }, artifacts: [{ parts: [{ text: 'internal' }] }] } });
    const events = [];
    for await (const e of t.container.a2a.streamMessage('echo', principal, { text: 'internal stream' })) events.push(Object.keys(e)[0]);
    expect(events[0]).toBe('task');
    expect(events[events.length - 1]).toBe('statusUpdate');
    // Cancel through the internal API while the task streams.
    const waiting = t.container.a2a.streamMessage('echo', principal, { text: 'wait' });
    const first = (await waiting.next()).value as { task: { id: string } };
    const canceled = await t.container.a2a.cancelTask('echo', principal, first.task.id);
    expect(canceled).toMatchObject({ id: first.task.id, status: { state: 'TASK_STATE_CANCELED' } });
    const rest = [];
    for await (const e of waiting) rest.push(e);
    expect(rest[rest.length - 1]).toMatchObject({ statusUpdate: { status: { state: 'TASK_STATE_CANCELED' } } });
    await expect(t.container.a2a.sendMessage('nobody', principal, { text: 'x' })).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' });
    await expect(t.container.a2a.sendMessage('echo', principal, {})).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await expect(t.container.a2a.getTask('echo', principal, 'nope')).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' });
  });
});

describe('A2A_JSONRPC_MIN_ROLE and A2A_RATE_LIMIT_*', () => {
  let t: TestApp;
  let users: Awaited<ReturnType<typeof usersOf>>;
  const tok = (name: string, role?: Role) => users.auth(name, role);
  beforeAll(async () => {
    t = await app({ A2A_JSONRPC_MIN_ROLE: 'operator', A2A_RATE_LIMIT_MAX: '3', A2A_RATE_LIMIT_WINDOW_MS: '60000' });
    users = await usersOf(t);
  });
  afterAll(async () => t?.close());

  it('refuses callers below the minimum role with 403', async () => {
    const r = await rpc(t, '/a2a/agents/echo', call('GetTask', { id: 'x' }), { authorization: await tok('v', 'viewer'), ...V1 });
    expect(r.status).toBe(403);
    expect(r.body.error?.code).toBe(-32041);
  });

  it('applies the minimum role to API tokens and sessions alike', async () => {
    const operator = { authorization: await tok('op-role', 'operator'), ...V1 };
    expect((await rpc(t, '/a2a/agents/echo', sendMessage('as operator'), operator)).body.result).toMatchObject({ task: {} });
    const admin = { authorization: await tok('admin-role', 'admin'), ...V1 };
    expect((await rpc(t, '/a2a/agents/echo', call('GetTask', { id: 'x' }), admin)).body.error?.code).toBe(-32001);
    // A signed-in operator's session works from Pilox's own origin…
    const op = await createTestUser(t, 'operator');
    const cookie = await loginCookie(t, op.email, op.password);
    const viaSession = await rpc(t, '/a2a/agents/echo', sendMessage('from the dashboard'), { cookie, ...originOf(t), ...V1 });
    expect(viaSession.body.result).toMatchObject({ task: { status: { state: 'TASK_STATE_COMPLETED' } } });
    // …and is refused from anywhere else (CSRF), still as a JSON-RPC answer.
    const crossSite = await rpc(t, '/a2a/agents/echo', sendMessage('x'), { cookie, origin: 'https://evil.example', ...V1 });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body).toMatchObject({ jsonrpc: '2.0', error: { code: -32041 } });
  });

  it('answers an unknown or revoked API token with 401 as a JSON-RPC error', async () => {
    const r = await rpc(t, '/a2a/agents/echo', sendMessage('x'), { authorization: 'Bearer pilox_not-a-real-token-000000000000', ...V1 });
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ jsonrpc: '2.0', error: { code: -32040 } });
  });

  it('limits each identity with a sliding window and says when to retry', async () => {
    const op = { authorization: await tok('op1', 'operator'), ...V1 };
    for (let i = 0; i < 3; i++) expect((await rpc(t, '/a2a/agents/echo', call('GetTask', { id: 'x' }), op)).status).toBe(200);
    const limited = await rpc(t, '/a2a/agents/echo', call('GetTask', { id: 'x' }), op);
    expect(limited.status).toBe(429);
    expect(limited.body.error?.code).toBe(-32042);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another identity has its own window.
    expect((await rpc(t, '/a2a/agents/echo', call('GetTask', { id: 'x' }), { authorization: await tok('op2', 'operator'), ...V1 })).status).toBe(200);
  });
});

describe('A2A_PUBLIC_JSONRPC_*', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await app({
      A2A_PUBLIC_JSONRPC_ENABLED: 'true',
      A2A_PUBLIC_JSONRPC_ALLOWED_METHODS: 'SendMessage, message/send, ListTasks',
      A2A_PUBLIC_JSONRPC_RATE_LIMIT_MAX: '3',
    });
  });
  afterAll(async () => t?.close());

  it('lets anonymous callers use allowlisted methods on public agents only, under their own limit', async () => {
    const ok = await rpc(t, '/a2a/agents/pub', sendMessage('anon'), V1);
    expect(ok.status).toBe(200);
    expect(ok.body.result).toMatchObject({ task: { status: { state: 'TASK_STATE_COMPLETED' } } });
    expect(await t.kv.exists('hive:rl:public_a2a:127.0.0.1')).toBe(true);

    const notAllowed = await rpc(t, '/a2a/agents/pub', call('GetTask', { id: 'x' }), V1);
    expect(notAllowed.status).toBe(401);
    // Listing would reveal other anonymous callers' tasks: never anonymous, even if listed.
    expect((await rpc(t, '/a2a/agents/pub', call('ListTasks', {}), V1)).status).toBe(401);
    const legacy = await rpc(t, '/a2a/agents/echo', call('message/send', { message: { kind: 'message', messageId: 'm', role: 'user', parts: [{ kind: 'text', text: 'x' }] } }));
    expect(legacy.status).toBe(404); // instance agent: not for anonymous callers

    expect((await rpc(t, '/a2a/agents/pub', sendMessage('anon again'), V1)).status).toBe(200);
    const limited = await rpc(t, '/a2a/agents/pub', sendMessage('one too many'), V1);
    expect(limited.status).toBe(429);
    expect(limited.body.error?.code).toBe(-32042);
  });

  it('advertises the anonymous alternative on public agents’ cards', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/a2a/agents/pub/.well-known/agent-card.json', headers: V1 });
    expect(res.json().securityRequirements).toEqual([{ schemes: { bearer: {} } }, {}]);
  });
});

describe('federated callers (the mesh authenticator’s hook)', () => {
  // Stands in for the mesh module's authenticator: it turns a verified federation credential
  // into a { kind: 'federation' } principal; the gateway only sees the principal.
  const federation: Authenticator = async (request) => {
    const peer = request.headers['x-test-federation-peer'];
    return typeof peer === 'string' ? { kind: 'federation', peerOrigin: peer, role: 'operator' } : null;
  };
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      env: { HIVE_INTERNAL_TOKEN: INTERNAL, MESH_FEDERATION_RATE_LIMIT_MAX: '2' },
      overrides: { agentDirectory: directory },
      authenticators: [federation],
    });
  });
  afterAll(async () => t?.close());

  it('lets peers call instance and public agents, not private ones, under the federation limit', async () => {
    const peer = { 'x-test-federation-peer': 'https://peer.example', ...V1 };
    const r = await rpc(t, '/a2a/agents/echo', sendMessage('from a peer'), peer);
    expect(r.body.result).toMatchObject({ task: { status: { state: 'TASK_STATE_COMPLETED' } } });
    expect((await rpc(t, '/a2a/agents/secret', sendMessage('x'), peer)).status).toBe(404);
    expect((await rpc(t, '/a2a/agents/pub', sendMessage('x'), peer)).status).toBe(429);
    expect(await t.kv.exists('hive:rl:mesh_federation:https://peer.example')).toBe(true);
  });
});

describe('A2A_ENABLED=false', () => {
  it('serves no A2A endpoint but still reports the status', async () => {
    const t = await createTestApp({ env: { HIVE_INTERNAL_TOKEN: INTERNAL, A2A_ENABLED: 'false' }, overrides: { agentDirectory: directory } });
    try {
      expect((await rpc(t, '/a2a/agents/echo', sendMessage('x'), { authorization: `Bearer ${INTERNAL}` })).status).toBe(404);
      expect((await t.app.inject({ method: 'GET', url: '/.well-known/agent-card.json' })).statusCode).toBe(404);
      const status = await t.app.inject({ method: 'GET', url: '/api/a2a/status', headers: { authorization: `Bearer ${INTERNAL}` } });
      expect(status.json()).toMatchObject({ enabled: false });
    } finally {
      await t.close();
    }
  });
});
