// Fuzz: thousands of random and malformed JSON-RPC bodies, headers and content types. Whatever
// arrives, the answer is never an HTTP 5xx and is always valid JSON-RPC 2.0 (or an SSE stream of
// valid JSON-RPC responses).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestDirectory, startEchoAgent, type ChildAgent } from '../helpers/a2a.js';

const INTERNAL = 'internal-token-for-a2a-tests-0123456789';
const BODIES = 2400;
const SEED = Number(process.env.A2A_FUZZ_SEED ?? 20240607);

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const METHODS = [
  'SendMessage', 'SendStreamingMessage', 'GetTask', 'ListTasks', 'CancelTask', 'SubscribeToTask',
  'CreateTaskPushNotificationConfig', 'GetTaskPushNotificationConfig', 'ListTaskPushNotificationConfigs',
  'DeleteTaskPushNotificationConfig', 'GetExtendedAgentCard', 'message/send', 'message/stream', 'tasks/get',
  'tasks/cancel', 'tasks/resubscribe', 'tasks/pushNotificationConfig/set', 'tasks/pushNotificationConfig/get',
  'tasks/pushNotificationConfig/list', 'tasks/pushNotificationConfig/delete', 'agent/getAuthenticatedExtendedCard',
  'constructor', '__proto__', 'toString', 'hasOwnProperty', '', 'sendMessage', 'tasks/', 'rpc.discover',
];

function validJsonRpcResponse(v: unknown): string | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'not an object';
  const r = v as Record<string, unknown>;
  if (r.jsonrpc !== '2.0') return 'jsonrpc is not 2.0';
  if (!('id' in r) || !(r.id === null || typeof r.id === 'string' || typeof r.id === 'number')) return 'bad id';
  const hasResult = 'result' in r;
  const hasError = 'error' in r;
  if (hasResult === hasError) return 'needs exactly one of result and error';
  if (hasError) {
    const e = r.error as Record<string, unknown>;
    if (!e || !Number.isInteger(e.code) || typeof e.message !== 'string') return 'bad error object';
  }
  return null;
}

describe('A2A JSON-RPC fuzz', () => {
  let t: TestApp;
  let echo: ChildAgent & { socketPath?: string };

  beforeAll(async () => {
    echo = await startEchoAgent();
    const directory = createTestDirectory();
    directory.add({ slug: 'echo', visibility: 'public' }, { kind: 'unix', socketPath: echo.socketPath! });
    t = await createTestApp({
      env: {
        HIVE_INTERNAL_TOKEN: INTERNAL,
        A2A_RATE_LIMIT_MAX: '1000000',
        A2A_PUBLIC_JSONRPC_ENABLED: 'true',
        A2A_PUBLIC_JSONRPC_ALLOWED_METHODS: 'SendMessage,message/send,GetTask,tasks/get',
        A2A_PUBLIC_JSONRPC_RATE_LIMIT_MAX: '1000000',
        A2A_JSONRPC_MAX_BODY_BYTES: '65536',
      },
      overrides: { agentDirectory: directory },
    });
  });
  afterAll(async () => {
    await t?.close();
    await echo?.stop();
  });

  it(`answers ${BODIES} random bodies with valid JSON-RPC and never a 5xx (seed ${SEED})`, async () => {
    const rand = rng(SEED);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const str = (max = 24) => Array.from({ length: Math.floor(rand() * max) }, () => String.fromCharCode(Math.floor(rand() * 0x2fff))).join('');
    const value = (depth = 0): unknown => {
      const r = rand();
      if (depth > 3 || r < 0.15) return pick([null, true, false, 0, -1, 1.5, 2 ** 53, '', 'x', NaN]);
      if (r < 0.3) return str();
      if (r < 0.4) return Math.floor(rand() * 1e6) - 5e5;
      if (r < 0.6) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(rand() * 4); i > 0; i--) o[pick(['id', 'message', 'parts', 'text', 'kind', 'taskId', 'tenant', 'metadata', str(8)])] = value(depth + 1);
      return o;
    };
    const message = () => {
      const m: Record<string, unknown> = {
        messageId: pick([`m${Math.floor(rand() * 1e6)}`, '', 5, null]),
        role: pick(['ROLE_USER', 'user', 'agent', 7]),
        parts: pick([[{ text: str() }], [{ kind: 'text', text: str() }], [], 'x', [value()], [{ kind: 'file', file: value() }], [{ data: value() }]]),
      };
      if (rand() < 0.3) m[pick(['contextId', 'taskId', 'metadata', 'kind', 'referenceTaskIds'])] = value();
      return m;
    };
    const params = (method: string): unknown => {
      const r = rand();
      if (r < 0.1) return value();
      if (method.toLowerCase().includes('message')) return { message: message(), ...(rand() < 0.3 ? { configuration: value() } : {}), ...(rand() < 0.2 ? { tenant: pick(['echo', 'nobody', 5]) } : {}) };
      return { id: pick(['x', '', 9, null, str(10)]), taskId: pick(['t', 3, undefined]), ...(rand() < 0.3 ? { [str(6)]: value() } : {}) };
    };

    // Well-formed calls of either version with at most one field changed: they reach the SDK,
    // the stores and the agent, where the interesting failures are.
    const nearlyValid = (i: number): Record<string, unknown> => {
      const legacy = rand() < 0.5;
      const text = pick(['hello', str(), 'ü∂ƒ', '']);
      const msg = legacy
        ? { kind: 'message', messageId: `m${i}`, role: 'user', parts: [{ kind: 'text', text }] }
        : { messageId: `m${i}`, role: 'ROLE_USER', parts: [{ text }] };
      const method = pick(legacy
        ? ['message/send', 'message/stream', 'tasks/get', 'tasks/cancel', 'tasks/resubscribe', 'tasks/pushNotificationConfig/set', 'tasks/pushNotificationConfig/list', 'agent/getAuthenticatedExtendedCard']
        : ['SendMessage', 'SendStreamingMessage', 'GetTask', 'ListTasks', 'CancelTask', 'SubscribeToTask', 'CreateTaskPushNotificationConfig', 'ListTaskPushNotificationConfigs', 'GetExtendedAgentCard']);
      const p: Record<string, unknown> = method.toLowerCase().includes('message')
        ? { message: msg, ...(rand() < 0.3 ? { configuration: legacy ? { blocking: rand() < 0.5, historyLength: 2 } : { returnImmediately: rand() < 0.5, historyLength: 1 } } : {}) }
        : method.includes('ushNotification')
          ? legacy ? { taskId: 't', id: 't', pushNotificationConfig: { url: pick(['https://example.com/h', 'ftp://x', 'not a url']) } } : { taskId: 't', url: pick(['https://example.com/h', 'javascript:x']) }
          : { id: pick(['missing-task', `t${i}`]), ...(method === 'ListTasks' ? { pageSize: pick([1, 10, 0, 101]), pageToken: pick(['', 'zz', 'eyJ4Ijox}']) } : {}) };
      if (rand() < 0.5) {
        const k = pick(Object.keys(p).concat(['tenant', 'metadata']));
        p[k] = value();
      }
      if (rand() < 0.2) (msg as Record<string, unknown>)[pick(['messageId', 'role', 'parts', 'metadata', 'contextId', 'taskId'])] = value();
      return { jsonrpc: '2.0', id: `n${i}`, method, params: p };
    };

    let fiveXX = 0;
    const failures: string[] = [];
    const outcomes = new Map<string, number>();
    const count = (k: string) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
    for (let i = 0; i < BODIES; i++) {
      const method = pick(METHODS);
      let payload: string | Buffer;
      const shape = rand();
      if (shape < 0.08) payload = Buffer.from(Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)));
      else if (shape < 0.14) payload = JSON.stringify(value()).slice(0, Math.floor(rand() * 40));
      else if (shape < 0.2) payload = JSON.stringify(value());
      else if (shape < 0.22) payload = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'x'.repeat(70_000) }] } } });
      else if (shape < 0.24) payload = `${'['.repeat(5000)}${']'.repeat(5000)}`;
      else if (shape < 0.7) payload = JSON.stringify(nearlyValid(i));
      else {
        const req: Record<string, unknown> = { jsonrpc: pick(['2.0', '2.0', '2.0', '1.0', 2, undefined]), method, params: params(method) };
        if (rand() < 0.9) req.id = pick([i, `req-${i}`, null, 1.5, {}, [], true]);
        payload = JSON.stringify(req);
      }
      const wellFormed = shape >= 0.24 && shape < 0.7 && rand() < 0.8;
      const headers: Record<string, string> = {
        'content-type':
          rand() < 0.1
            ? pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])
            : pick(['application/json', 'application/json; charset=utf-8', 'application/a2a+json']),
      };
      const legacyCall = typeof payload === 'string' && payload.includes('"method":"') && /"method":"[a-z]+\//.test(payload);
      const version = wellFormed ? (legacyCall ? pick([undefined, '0.3']) : '1.0') : pick([undefined, undefined, '1.0', '0.3', '1', '', rand() < 0.3 ? '2.0' : 'abc']);
      if (version !== undefined) headers['a2a-version'] = version;
      if (wellFormed || rand() < 0.85) headers.authorization = wellFormed ? `Bearer ${INTERNAL}` : pick([`Bearer ${INTERNAL}`, `Bearer ${INTERNAL}`, 'Bearer nope', 'Basic abc']);
      if (wellFormed) headers['content-type'] = 'application/json';
      const url = wellFormed ? '/a2a/agents/echo' : pick(['/a2a/agents/echo', '/a2a/agents/echo', '/api/a2a/jsonrpc', '/a2a/agents/nobody']);
      const res = await t.app.inject({ method: 'POST', url, headers, payload });
      if (res.statusCode >= 500) {
        fiveXX++;
        failures.push(`#${i} ${res.statusCode} ${String(payload).slice(0, 120)}`);
        continue;
      }
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        count('stream');
        for (const chunk of res.body.split('\n\n').filter((c) => c.trim() && !c.startsWith(':'))) {
          const data = chunk.split('\n').find((l) => l.startsWith('data: '));
          const problem = data ? validJsonRpcResponse(JSON.parse(data.slice(6))) : 'SSE event without data';
          if (problem) failures.push(`#${i} SSE ${problem}: ${chunk.slice(0, 120)}`);
        }
        continue;
      }
      let body: unknown;
      try {
        body = JSON.parse(res.body);
      } catch {
        failures.push(`#${i} ${res.statusCode} not JSON: ${res.body.slice(0, 120)}`);
        continue;
      }
      const b = body as { result?: unknown; error?: { code?: number } };
      count(b.result !== undefined ? 'result' : `error ${b.error?.code}`);
      const problem = validJsonRpcResponse(body);
      if (problem) failures.push(`#${i} ${res.statusCode} ${problem}: ${res.body.slice(0, 160)}`);
    }
    console.log(`fuzz outcomes: ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`);
    expect(fiveXX).toBe(0);
    expect(failures.slice(0, 20)).toEqual([]);
    // The fuzz must reach past the front door: successes, streams and many kinds of errors.
    expect((outcomes.get('result') ?? 0) + (outcomes.get('stream') ?? 0)).toBeGreaterThan(BODIES * 0.05);
    for (const code of [-32700, -32600, -32601, -32602, -32001, -32040, -32044]) expect(outcomes.get(`error ${code}`) ?? 0).toBeGreaterThan(0);
  }, 240_000);
});
