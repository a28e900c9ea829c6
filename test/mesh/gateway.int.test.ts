// `pilox gateway` in front of the app: forwarding with the gateway secret (the app refuses
// anonymous JSON-RPC that did not come through it), body limit, streams, /metrics, and two
// gateway processes sharing Redis (GATEWAY_RATE_LIMIT_REDIS_URL) enforcing one combined limit.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildGateway } from '../../src/gateway/gateway.js';
import { createUpstream } from '../../src/gateway/upstream.js';
import { createMemoryKv } from '../../src/lib/kv/memory-kv.js';
import { deleteKeysWithPrefix } from '../../src/lib/kv/redis-kv.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestDirectory, freePort, startEchoAgent, type ChildAgent } from '../helpers/a2a.js';
import { spawnCli, waitForOutput } from '../helpers/cli.js';
import { sendMessage } from './instances.js';
import { readSse } from './sse.js';

const GATEWAY_SECRET = 'gateway-inbound-secret-for-tests-0123456789';
const redisUrl = inject('redisUrl');
if (!redisUrl) process.stderr.write('\n[mesh] SKIPPING the two-gateway shared-limit test: it needs TEST_REDIS_URL (real Redis)\n');

describe('public JSON-RPC gateway', () => {
  let echo: ChildAgent & { socketPath?: string };
  let t: TestApp;
  let appBase: string;

  beforeAll(async () => {
    echo = await startEchoAgent();
    const directory = createTestDirectory();
    directory.add({ slug: 'pub', visibility: 'public' }, { kind: 'unix', socketPath: echo.socketPath! });
    t = await createTestApp({
      env: {
        A2A_PUBLIC_JSONRPC_ENABLED: 'true',
        A2A_PUBLIC_JSONRPC_ALLOWED_METHODS: 'SendMessage,SendStreamingMessage',
        A2A_PUBLIC_JSONRPC_RATE_LIMIT_MAX: '1000',
        MESH_GATEWAY_INBOUND_SECRET: GATEWAY_SECRET,
        A2A_TASK_STORE: 'postgres',
      },
      overrides: { agentDirectory: directory },
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    appBase = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await echo?.stop();
  });

  const post = (base: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}/api/a2a/jsonrpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('the app refuses anonymous JSON-RPC that did not come through the gateway, and a wrong gateway secret', async () => {
    const direct = await post(appBase, sendMessage('hi', 'pub'));
    expect(direct.status).toBe(401);
    expect(await direct.text()).toContain('through the gateway only');
    const forged = await post(appBase, sendMessage('hi', 'pub'), { 'x-pilox-gateway-secret': 'not-the-secret' });
    expect(forged.status).toBe(401);
  });

  it('forwards calls and streams with the secret, enforces the body limit, serves /metrics', async () => {
    const upstream = createUpstream({ baseUrl: appBase, timeoutMs: 30_000 });
    const { app } = buildGateway({
      settings: {
        rateLimit: { max: 100, windowMs: 60_000 },
        maxBodyBytes: 8192,
        requestTimeoutMs: 30_000,
        inboundSecret: GATEWAY_SECRET,
        clientIpSource: 'socket',
      },
      kv: createMemoryKv(),
      upstream,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const gw = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    try {
      // A client-supplied address header does not reach the app (the edge overwrites it).
      const res = await post(gw, sendMessage('through the gateway', 'pub'), { 'x-client-ip': '203.0.113.9' });
      expect(res.status).toBe(200);
      expect(JSON.stringify(await res.json())).toContain('through the gateway');

      const stream = await post(gw, sendMessage('streamed', 'pub', 'SendStreamingMessage'), {
        accept: 'text/event-stream',
      });
      expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
      const events = await readSse(stream).all();
      expect(events.at(-1)!.data).toContain('TASK_STATE_COMPLETED');

      const big = await post(gw, { ...sendMessage('x'.repeat(10_000), 'pub') });
      expect(big.status).toBe(413);

      const card = await fetch(`${gw}/.well-known/agent-card.json`);
      expect(card.status).toBe(200);
      expect(((await card.json()) as { skills: { id: string }[] }).skills.map((s) => s.id)).toEqual(['pub']);

      const metrics = await (await fetch(`${gw}/metrics`)).text();
      expect(metrics).toMatch(/pilox_gateway_requests_total\{route="\/api\/a2a\/jsonrpc",outcome="200"\} [1-9]/);
    } finally {
      await app.close();
      await upstream.close();
    }
  });

  it('two gateways on one counter store enforce one combined limit (in-process, any Kv)', async () => {
    const upstream = createUpstream({ baseUrl: appBase, timeoutMs: 30_000 });
    const kv = createMemoryKv();
    const settings = {
      rateLimit: { max: 3, windowMs: 60_000 },
      maxBodyBytes: 8192,
      requestTimeoutMs: 30_000,
      inboundSecret: GATEWAY_SECRET,
      clientIpSource: 'socket' as const,
    };
    const gws = [buildGateway({ settings, kv, upstream }).app, buildGateway({ settings, kv, upstream }).app];
    const urls: string[] = [];
    for (const g of gws) {
      await g.listen({ port: 0, host: '127.0.0.1' });
      urls.push(`http://127.0.0.1:${(g.server.address() as { port: number }).port}`);
    }
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 5; i++) {
        const res = await post(urls[i % 2]!, sendMessage(`n${i}`, 'pub'));
        statuses.push(res.status);
        if (res.status === 429) retryAfter = res.headers.get('retry-after');
        await res.body?.cancel();
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      expect(Number(retryAfter)).toBeGreaterThan(0);
    } finally {
      for (const g of gws) await g.close();
      await upstream.close();
      await kv.close();
    }
  });

  describe.skipIf(!redisUrl)('two gateway processes sharing Redis', () => {
    const prefix = `${inject('redisPrefix') ?? 'pilox:test:'}gw${randomBytes(3).toString('hex')}:`;
    const children: ChildProcess[] = [];
    const bases: string[] = [];
    let dataDir: string;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'pilox-gw-'));
      for (let i = 0; i < 2; i++) {
        const port = await freePort();
        const child = spawnCli(['gateway'], {
          PILOX_DATA_DIR: dataDir,
          AUTH_SECRET: randomBytes(32).toString('hex'),
          ENCRYPTION_KEY: randomBytes(32).toString('hex'),
          HOST: '127.0.0.1',
          GATEWAY_PORT: String(port),
          GATEWAY_UPSTREAM_URL: appBase,
          GATEWAY_RATE_LIMIT_REDIS_URL: redisUrl!,
          REDIS_KEY_PREFIX: prefix,
          GATEWAY_RATE_LIMIT_MAX: '5',
          GATEWAY_RATE_LIMIT_WINDOW_MS: '60000',
          MESH_GATEWAY_INBOUND_SECRET: GATEWAY_SECRET,
        });
        children.push(child);
        await waitForOutput(child, /pilox gateway listening on/, 60_000);
        bases.push(`http://127.0.0.1:${port}`);
      }
    }, 120_000);
    afterAll(async () => {
      for (const c of children) {
        if (c.exitCode !== null) continue;
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        await exited;
      }
      if (redisUrl) await deleteKeysWithPrefix(redisUrl, prefix);
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('enforces one combined per-IP limit', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const res = await post(bases[i % 2]!, sendMessage(`n${i}`, 'pub'));
        statuses.push(res.status);
        await res.body?.cancel();
      }
      expect(statuses.filter((s) => s === 200)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(3);
      // Both processes refused some: the counter is shared, not per process.
      expect(statuses.slice(5)).toEqual([429, 429, 429]);
    });
  });
});
