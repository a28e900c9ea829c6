// Push notifications (A2A §4.3): configs through JSON-RPC of both versions, delivery as durable
// jobs through the egress guard with the config's credentials and token header, retries with
// backoff, and the delivery log.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestDirectory, startEchoAgent, testUsers, type ChildAgent } from '../helpers/a2a.js';
import { call, rpc, sendMessage, V1 } from './rpc.js';

const INTERNAL = 'internal-token-for-a2a-tests-0123456789';
const AUTH = { authorization: `Bearer ${INTERNAL}` };

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

async function webhookServer(): Promise<{ url: string; received: Received[]; failNext: (n: number) => void; server: Server }> {
  const received: Received[] = [];
  let failures = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (failures > 0) {
        failures--;
        res.writeHead(503).end();
        return;
      }
      received.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, received, failNext: (n) => (failures = n), server };
}

async function until<T>(fn: () => T | undefined | false, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function untilAsync<T>(fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('A2A push notifications', () => {
  let t: TestApp;
  let echo: ChildAgent & { socketPath?: string };
  let hook: Awaited<ReturnType<typeof webhookServer>>;
  let users: ReturnType<typeof testUsers>;
  const operator = async () => ({ authorization: await users.auth('ops', 'operator') });

  beforeAll(async () => {
    echo = await startEchoAgent();
    hook = await webhookServer();
    const directory = createTestDirectory();
    directory.add({ slug: 'echo' }, { kind: 'unix', socketPath: echo.socketPath! });
    // Deliveries go through the real egress guard; only the webhook receiver is allowlisted.
    const hookUrl = new URL(hook.url);
    t = await createTestApp({
      env: { HIVE_INTERNAL_TOKEN: INTERNAL, HIVE_EGRESS_FETCH_HOST_ALLOWLIST: hookUrl.hostname, HIVE_EGRESS_FETCH_ALLOWED_PORTS: hookUrl.port },
      overrides: { agentDirectory: directory },
      startDaemons: true,
    });
    users = testUsers(t);
  });
  afterAll(async () => {
    await t?.close();
    await echo?.stop();
    await new Promise((r) => hook?.server.close(r));
  });

  it('delivers every event of a task to a 1.0 webhook with its credentials and token', async () => {
    const config = { url: `${hook.url}/v1-hook?secret=abc`, token: 'tok-123', authentication: { scheme: 'Bearer', credentials: 'cred-xyz' } };
    const r = await rpc(t, '/a2a/agents/echo', { ...sendMessage('push me'), method: 'SendStreamingMessage', params: { ...sendMessage('push me').params, configuration: { taskPushNotificationConfig: config } } }, { ...AUTH, ...V1 });
    expect(r.status).toBe(200);
    const events = r.raw.split('\n\n').filter((c) => c.startsWith('data: ')).map((c) => JSON.parse(c.slice(6)));
    const taskId = events[0].result.task.id as string;
    const mine = () => hook.received.filter((x) => x.path.startsWith('/v1-hook'));
    await until(() => mine().length >= events.length);
    const first = mine()[0]!;
    expect(first.headers.authorization).toBe('Bearer cred-xyz');
    expect(first.headers['x-a2a-notification-token']).toBe('tok-123');
    expect(first.headers['content-type']).toBe('application/a2a+json');
    const kinds = mine().map((x) => Object.keys(x.body)[0]);
    expect(new Set(kinds)).toEqual(new Set(['task', 'statusUpdate', 'artifactUpdate']));
    const bodyTaskIds = mine().map((x) => {
      const v = Object.values(x.body)[0] as { id?: string; taskId?: string };
      return v.id ?? v.taskId;
    });
    expect(new Set(bodyTaskIds)).toEqual(new Set([taskId]));

    type Row = { outcome: string; target: string; httpStatus: number };
    const deliveries = await untilAsync(async () => {
      const log = await t.app.inject({ method: 'GET', url: `/api/a2a/push-deliveries?taskId=${taskId}`, headers: await operator() });
      expect(log.statusCode).toBe(200);
      const rows = log.json().deliveries as Row[];
      return rows.length >= events.length ? rows : undefined;
    });
    expect(deliveries.length).toBe(events.length);
    expect(deliveries.every((d) => d.outcome === 'delivered' && d.httpStatus === 204)).toBe(true);
    expect(deliveries[0]!.target).toBe(`${hook.url}/v1-hook`); // no query string in the log
    expect((await t.app.inject({ method: 'GET', url: '/api/a2a/push-deliveries', headers: { authorization: await users.auth('v', 'viewer') } })).statusCode).toBe(403);
  }, 30_000);

  it('retries a failing webhook with backoff and logs each attempt', async () => {
    const started = await rpc(t, '/a2a/agents/echo', sendMessage('wait', { configuration: { returnImmediately: true } }), { ...AUTH, ...V1 });
    const taskId = (started.body.result!.task as { id: string }).id;
    // Registered once the task works, so the cancel is the only event the webhook gets.
    await untilAsync(async () => {
      const r = await rpc(t, '/a2a/agents/echo', call('GetTask', { id: taskId }), { ...AUTH, ...V1 });
      return (r.body.result?.status as { state?: string })?.state === 'TASK_STATE_WORKING' || undefined;
    });
    await new Promise((r) => setTimeout(r, 200));
    const created = await rpc(t, '/a2a/agents/echo', call('CreateTaskPushNotificationConfig', { taskId, url: `${hook.url}/retry-hook` }), { ...AUTH, ...V1 });
    expect(created.body.result).toMatchObject({ taskId, url: `${hook.url}/retry-hook` });
    expect((created.body.result as { id: string }).id).toBeTruthy();
    hook.failNext(2);
    await rpc(t, '/a2a/agents/echo', call('CancelTask', { id: taskId }), { ...AUTH, ...V1 });
    const got = await until(() => hook.received.find((x) => x.path === '/retry-hook'), 20_000);
    expect(got.body).toMatchObject({ statusUpdate: { taskId, status: { state: 'TASK_STATE_CANCELED' } } });
    const log = await untilAsync(async () => {
      const rows = (await t.app.inject({ method: 'GET', url: `/api/a2a/push-deliveries?taskId=${taskId}`, headers: await operator() })).json()
        .deliveries as { outcome: string; attempt: number; httpStatus: number }[];
      return rows.some((d) => d.outcome === 'delivered') ? rows : undefined;
    });
    const attempts = log.filter((d) => d.httpStatus === 503 || d.outcome === 'delivered').reverse();
    expect(attempts.map((d) => [d.outcome, d.attempt])).toEqual([
      ['retrying', 1],
      ['retrying', 2],
      ['delivered', 3],
    ]);
  }, 30_000);

  it('manages configs in 0.3 too, and delivers 0.3-shaped bodies to 0.3 webhooks', async () => {
    const started = await rpc(t, '/a2a/agents/echo', call('message/send', { message: { kind: 'message', messageId: 'm-old', role: 'user', parts: [{ kind: 'text', text: 'wait' }] }, configuration: { blocking: false } }), AUTH);
    const taskId = (started.body.result as { id: string }).id;
    const set = await rpc(t, '/a2a/agents/echo', call('tasks/pushNotificationConfig/set', { taskId, pushNotificationConfig: { id: 'old-1', url: `${hook.url}/old-hook`, token: 'legacy' } }), AUTH);
    expect(set.body.result).toMatchObject({ taskId, pushNotificationConfig: { id: 'old-1', url: `${hook.url}/old-hook` } });
    const listed = await rpc(t, '/a2a/agents/echo', call('tasks/pushNotificationConfig/list', { id: taskId }), AUTH);
    expect(listed.body.result).toEqual([expect.objectContaining({ taskId, pushNotificationConfig: expect.objectContaining({ id: 'old-1' }) })]);
    // Another user cannot see or touch them.
    expect((await rpc(t, '/a2a/agents/echo', call('tasks/pushNotificationConfig/list', { id: taskId }), { authorization: await users.auth('mallory') })).body.error?.code).toBe(-32001);
    await rpc(t, '/a2a/agents/echo', call('tasks/cancel', { id: taskId }), AUTH);
    // 0.3 webhooks receive the task itself (A2A 0.3 §9.5), in 0.3 shape.
    const got = await until(() => hook.received.find((x) => x.path === '/old-hook' && (x.body.status as { state?: string })?.state === 'canceled'));
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['x-a2a-notification-token']).toBe('legacy');
    expect(got.body).toMatchObject({ kind: 'task', id: taskId, status: { state: 'canceled' } });
    const deleted = await rpc(t, '/a2a/agents/echo', call('tasks/pushNotificationConfig/delete', { id: taskId, pushNotificationConfigId: 'old-1' }), AUTH);
    expect(deleted.body).toMatchObject({ result: null });
    expect((await rpc(t, '/a2a/agents/echo', call('tasks/pushNotificationConfig/list', { id: taskId }), AUTH)).body.result).toEqual([]);
    expect(hook.received.filter((x) => x.path === '/old-hook').every((x) => x.headers['content-type'] === 'application/json')).toBe(true);
  }, 30_000);

  it('refuses webhook URLs that are not http(s) and stores nothing', async () => {
    const started = await rpc(t, '/a2a/agents/echo', sendMessage('hello'), { ...AUTH, ...V1 });
    const taskId = (started.body.result!.task as { id: string }).id;
    for (const url of ['ftp://example.com/x', 'not a url', 'http://user:pw@example.com/']) {
      const r = await rpc(t, '/a2a/agents/echo', call('CreateTaskPushNotificationConfig', { taskId, url }), { ...AUTH, ...V1 });
      expect(r.body.error?.code).toBe(-32602);
    }
    const list = await rpc(t, '/a2a/agents/echo', call('ListTaskPushNotificationConfigs', { taskId }), { ...AUTH, ...V1 });
    expect((list.body.result as { configs?: unknown[] }).configs ?? []).toEqual([]);
  });
});

describe('A2A push notifications to a blocked address', () => {
  it('logs the delivery as failed by the egress guard, and does not retry', async () => {
    const echo = await startEchoAgent();
    const directory = createTestDirectory();
    directory.add({ slug: 'echo' }, { kind: 'unix', socketPath: echo.socketPath! });
    const t = await createTestApp({ env: { HIVE_INTERNAL_TOKEN: INTERNAL }, overrides: { agentDirectory: directory }, startDaemons: true });
    try {
      const r = await rpc(t, '/a2a/agents/echo', sendMessage('x', { configuration: { taskPushNotificationConfig: { url: 'http://127.0.0.1:9/a' } } }), { ...AUTH, ...V1 });
      const taskId = (r.body.result!.task as { id: string }).id;
      const deliveries = await untilAsync(async () => {
        const rows = await t.container.a2a.deliveries({ taskId, limit: 10 });
        return rows.length > 0 ? rows : undefined;
      });
      await new Promise((res) => setTimeout(res, 1500)); // a retry would have happened by now
      expect(await t.container.a2a.deliveries({ taskId, limit: 10 })).toHaveLength(1);
      expect(deliveries[0]).toMatchObject({ outcome: 'failed', attempt: 1 });
      expect(deliveries[0]!.error).toMatch(/blocked|egress/i);
    } finally {
      await t.close();
      await echo.stop();
    }
  }, 30_000);
});
