// The JSON-RPC endpoints' answers to bad input: JSON-RPC / A2A error codes, never an HTTP 5xx,
// and nothing stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestDirectory, startEchoAgent, type ChildAgent } from '../helpers/a2a.js';
import { call, rpc, sendMessage, V1 } from './rpc.js';

const INTERNAL = 'internal-token-for-a2a-tests-0123456789';
const AUTH = { authorization: `Bearer ${INTERNAL}` };
const AGENT = '/a2a/agents/echo';

describe('A2A JSON-RPC error handling', () => {
  let t: TestApp;
  let echo: ChildAgent & { socketPath?: string };

  beforeAll(async () => {
    echo = await startEchoAgent();
    const directory = createTestDirectory();
    directory.add({ slug: 'echo' }, { kind: 'unix', socketPath: echo.socketPath! });
    directory.add({ slug: 'far' }, { kind: 'remote', url: 'http://127.0.0.1:9/.well-known/agent-card.json' });
    t = await createTestApp({
      env: { HIVE_INTERNAL_TOKEN: INTERNAL, A2A_JSONRPC_MAX_BODY_BYTES: '8192' },
      overrides: { agentDirectory: directory },
    });
  });
  afterAll(async () => {
    await t?.close();
    await echo?.stop();
  });

  it('answers malformed JSON with -32700 and a null id', async () => {
    const r = await rpc(t, AGENT, '{"jsonrpc": "2.0", "method": ', AUTH);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
  });

  it('answers non-request bodies with -32600, echoing a valid id', async () => {
    expect((await rpc(t, AGENT, '[1,2]', AUTH)).body.error?.code).toBe(-32600);
    expect((await rpc(t, AGENT, '"text"', AUTH)).body.error?.code).toBe(-32600);
    const noVersion = await rpc(t, AGENT, { id: 7, method: 'SendMessage', params: {} }, AUTH);
    expect(noVersion.body).toMatchObject({ id: 7, error: { code: -32600 } });
    const badId = await rpc(t, AGENT, { jsonrpc: '2.0', id: { x: 1 }, method: 'GetTask', params: {} }, AUTH);
    expect(badId.body).toMatchObject({ id: null, error: { code: -32600 } });
    const deep = JSON.parse(`{"jsonrpc":"2.0","id":1,"method":"GetTask","params":{"id":"x","metadata":${'['.repeat(60)}${']'.repeat(60)}}}`);
    expect((await rpc(t, AGENT, deep, AUTH)).body.error?.code).toBe(-32600);
  });

  it('answers unknown methods with -32601 in both versions', async () => {
    expect((await rpc(t, AGENT, call('DoSomething', {}), { ...AUTH, ...V1 })).body.error?.code).toBe(-32601);
    expect((await rpc(t, AGENT, call('tasks/get', { id: 'x' }), { ...AUTH, ...V1 })).body.error?.code).toBe(-32601);
    expect((await rpc(t, AGENT, call('ListTasks', {}), { ...AUTH, 'a2a-version': '0.3' })).body.error?.code).toBe(-32601);
    expect((await rpc(t, AGENT, call('constructor', {}), AUTH)).body.error?.code).toBe(-32601);
    expect((await rpc(t, AGENT, call('__proto__', {}), AUTH)).body.error?.code).toBe(-32601);
  });

  it('refuses unsupported A2A versions with -32009 (VersionNotSupportedError)', async () => {
    const r = await rpc(t, AGENT, call('GetTask', { id: 'x' }), { ...AUTH, 'a2a-version': '2.0' });
    expect(r.status).toBe(200);
    expect(r.body.error?.code).toBe(-32009);
    expect(JSON.stringify(r.body.error?.data)).toContain('VERSION_NOT_SUPPORTED');
  });

  it('answers wrong parameter types with -32602 naming the field', async () => {
    const parts = await rpc(t, AGENT, { ...sendMessage('x'), params: { message: { messageId: 'm', role: 'ROLE_USER', parts: 'no' } } }, { ...AUTH, ...V1 });
    expect(parts.body.error).toMatchObject({ code: -32602 });
    expect(parts.body.error?.message).toContain('params.message.parts');
    const legacyPart = await rpc(t, AGENT, call('message/send', { message: { kind: 'message', messageId: 'm', role: 'user', parts: [{ kind: 'bogus' }] } }), AUTH);
    expect(legacyPart.body.error?.message).toContain('params.message.parts[0].kind');
    expect((await rpc(t, AGENT, call('GetTask', { id: 42 }), { ...AUTH, ...V1 })).body.error?.code).toBe(-32602);
    expect((await rpc(t, AGENT, call('GetTask', undefined), { ...AUTH, ...V1 })).body.error?.code).toBe(-32602);
    expect((await rpc(t, AGENT, call('ListTasks', { pageSize: 'ten' }), { ...AUTH, ...V1 })).body.error?.code).toBe(-32602);
    expect((await rpc(t, AGENT, call('ListTasks', { pageSize: 1000 }), { ...AUTH, ...V1 })).body.error?.code).toBe(-32602);
  });

  it('answers a task that does not exist with -32001 (TaskNotFoundError)', async () => {
    const r = await rpc(t, AGENT, call('GetTask', { id: 'no-such-task' }), { ...AUTH, ...V1 });
    expect(r.body.error?.code).toBe(-32001);
    expect((await rpc(t, AGENT, call('tasks/cancel', { id: 'no-such-task' }), AUTH)).body.error?.code).toBe(-32001);
  });

  it('refuses bodies over A2A_JSONRPC_MAX_BODY_BYTES with 413 and a JSON-RPC error', async () => {
    const r = await rpc(t, AGENT, sendMessage('x'.repeat(10_000)), { ...AUTH, ...V1 });
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } });
  });

  it('refuses other content types with 415 and a JSON-RPC error (no simple cross-site posts)', async () => {
    const res = await t.app.inject({ method: 'POST', url: AGENT, headers: { ...AUTH, 'content-type': 'text/plain' }, payload: JSON.stringify(sendMessage('x')) });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 } });
  });

  it('answers unknown agents with 404 and -32044, and agents with impossible slugs too', async () => {
    const r = await rpc(t, '/a2a/agents/nobody', sendMessage('x'), { ...AUTH, ...V1 });
    expect(r.status).toBe(404);
    expect(r.body.error?.code).toBe(-32044);
    expect((await rpc(t, `/a2a/agents/${'x'.repeat(250)}`, sendMessage('x'), AUTH)).status).toBe(404);
    expect((await rpc(t, '/a2a/agents/%E2%9C%93', sendMessage('x'), AUTH)).status).toBe(404);
  });

  it('refuses a tenant that names another agent on a per-agent endpoint', async () => {
    const r = await rpc(t, AGENT, { ...sendMessage('x'), params: { ...sendMessage('x').params, tenant: 'other' } }, { ...AUTH, ...V1 });
    expect(r.body.error?.code).toBe(-32602);
  });

  it('asks platform calls to name their agent, and never picks one', async () => {
    const r = await rpc(t, '/api/a2a/jsonrpc', sendMessage('x'), { ...AUTH, ...V1 });
    expect(r.body.error?.code).toBe(-32602);
    expect(JSON.stringify(r.body.error?.data)).toContain('AGENT_NOT_NAMED');
    const card = await rpc(t, '/api/a2a/jsonrpc', call('GetExtendedAgentCard', {}), { ...AUTH, ...V1 });
    expect(card.body.result).toMatchObject({ name: 'Pilox' });
    const legacy = await rpc(t, '/api/a2a/jsonrpc', call('message/send', { message: { kind: 'message', messageId: 'm', role: 'user', parts: [{ kind: 'text', text: 'meta' }], metadata: { 'pilox.agent': 'echo' } } }), AUTH);
    expect(legacy.body.result).toMatchObject({ kind: 'task', status: { state: 'completed' } });
  });

  it('fails the task of a remote agent whose address the egress policy blocks, without naming the address', async () => {
    const r = await rpc(t, '/a2a/agents/far', sendMessage('x'), { ...AUTH, ...V1 });
    expect(r.status).toBe(200);
    const task = r.body.result!.task as { status: { state: string; message?: { parts: { text?: string }[] } } };
    expect(task.status.state).toBe('TASK_STATE_FAILED');
    expect(JSON.stringify(task.status.message)).toMatch(/not allowed by the egress policy/);
    expect(JSON.stringify(r.body)).not.toContain('127.0.0.1');
  });

  it('streams SSE where every event is a JSON-RPC response with the request id', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: AGENT,
      headers: { ...AUTH, ...V1, 'content-type': 'application/json' },
      payload: JSON.stringify({ ...sendMessage('sse'), id: 'sse-1', method: 'SendStreamingMessage' }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    const events = res.body.split('\n\n').filter((b) => b.startsWith('data: ')).map((b) => JSON.parse(b.slice(6)));
    expect(events.length).toBeGreaterThanOrEqual(3);
    for (const e of events) expect(e).toMatchObject({ jsonrpc: '2.0', id: 'sse-1' });
    expect(events[events.length - 1].result.statusUpdate.status.state).toBe('TASK_STATE_COMPLETED');
  });
});
