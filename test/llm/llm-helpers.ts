// Shared pieces of the llm tests: an app whose egress guard may reach the fixture servers on
// loopback (HIVE_EGRESS_FETCH_HOST_ALLOWLIST + ports, as an operator allowlists an internal
// vLLM), and an agent's pilox.sock served by a real node http server on a unix socket.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/lib/db/database.js';
import { managedConfigSchema, type ManagedConfig } from '../../src/modules/agents/managed-config.js';
import type { AgentHostHandler, AgentHostIdentity } from '../../src/runtime/agent-host.js';
import { createTestApp, type TestApp, type TestAppOptions } from '../helpers/app.js';

export async function createLlmTestApp(ports: number[], opts: TestAppOptions = {}): Promise<TestApp> {
  return createTestApp({
    ...opts,
    env: { HIVE_EGRESS_FETCH_HOST_ALLOWLIST: '127.0.0.1', HIVE_EGRESS_FETCH_ALLOWED_PORTS: ports.join(','), ...opts.env },
  });
}

export function managedAgent(ownerId: string, managed: Partial<ManagedConfig> & { model: string }): AgentHostIdentity {
  const id = randomUUID();
  return { id, slug: `agent-${id.slice(0, 8)}`, ownerId, kind: 'managed', managed: managedConfigSchema.parse(managed) };
}

export interface HostSocket {
  path: string;
  server: Server;
  close(): Promise<void>;
}

/** One agent's pilox.sock, as the runtime serves it: every request goes to the handler with that agent's identity. */
export async function serveHostSocket(handler: AgentHostHandler, agent: AgentHostIdentity | (() => AgentHostIdentity)): Promise<HostSocket> {
  const dir = mkdtempSync(join(tmpdir(), 'pilox-host-'));
  const path = join(dir, 'pilox.sock');
  const server = createServer((req, res) => handler(typeof agent === 'function' ? agent() : agent, req, res));
  await new Promise<void>((r) => server.listen(path, r));
  return {
    path,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface SocketResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** An HTTP call over a unix socket (what the runner does inside the sandbox). */
export function socketCall(socketPath: string, method: string, path: string, body?: unknown): Promise<SocketResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request({ socketPath, method, path, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** `data:` payloads of an SSE body. */
export function sseData(body: string): string[] {
  return body
    .split('\n\n')
    .map((b) => b.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n'))
    .filter(Boolean);
}

export interface UsageRow {
  agent_id: string;
  owner_id: string;
  provider_id: string | null;
  provider_type: string;
  model: string;
  tokens_in: number;
  tokens_out: number;
  cost_micros: number | string;
  status: string;
  error_code: string | null;
  streamed: boolean;
  duration_ms: number;
}

export async function usageRows(t: TestApp, agentId: string): Promise<UsageRow[]> {
  return queryRows(t.database.db, sql`select * from inference_usage where agent_id = ${agentId} order by created_at`);
}

/** Usage is written just after the response; wait for `n` rows. */
export async function waitForUsage(t: TestApp, agentId: string, n: number, timeoutMs = 10_000): Promise<UsageRow[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const rows = await usageRows(t, agentId);
    if (rows.length >= n || Date.now() > until) return rows;
    await new Promise((r) => setTimeout(r, 25));
  }
}
