// Starts the bundled runner (dist/runner.mjs, built by the test global setup) as a child
// process, the way a runtime does: env contract of src/runtime/agent-host.ts, its pilox.sock
// served by the container's agentHostHandler, a temp work dir.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentHostIdentity } from '../../src/runtime/agent-host.js';
import { runnerBundlePath } from '../../src/runner/bundle-path.js';
import { startAgentProcess, type ChildAgent } from '../helpers/a2a.js';
import type { TestApp } from '../helpers/app.js';
import { serveHostSocket, socketCall } from '../llm/llm-helpers.js';

export interface RunningRunner {
  agent: AgentHostIdentity;
  agentSocket: string;
  workDir: string;
  child: ChildAgent;
  stop(): Promise<void>;
}

export async function startRunner(t: TestApp, agent: AgentHostIdentity, name = 'Test agent'): Promise<RunningRunner> {
  const dir = mkdtempSync(join(tmpdir(), 'pilox-runner-'));
  const workDir = join(dir, 'work');
  const host = await serveHostSocket(t.container.agentHostHandler, agent);
  const agentSocket = join(dir, 'agent.sock');
  const child = await startAgentProcess([runnerBundlePath], {
    PILOX_AGENT_SOCKET: agentSocket,
    PILOX_HOST_SOCKET: host.path,
    PILOX_WORK_DIR: workDir,
    PILOX_AGENT_CONFIG: JSON.stringify({ id: agent.id, slug: agent.slug, name, description: 'A managed test agent', managed: agent.managed }),
  });
  return {
    agent,
    agentSocket,
    workDir,
    child,
    async stop() {
      await child.stop();
      await host.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A2A 1.0 JSON-RPC straight to the runner's socket. */
export async function a2a(sock: string, method: string, params: unknown): Promise<{ // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON-RPC results read loosely in tests
  result?: Record<string, any>; error?: { code: number; message: string }; raw: string }> {
  const res = await socketCallV1(sock, { jsonrpc: '2.0', id: randomUUID(), method, params });
  return { ...JSON.parse(res), raw: res };
}

export async function socketCallV1(sock: string, body: unknown): Promise<string> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request({ socketPath: sock, method: 'POST', path: '/', headers: { 'content-type': 'application/json', 'a2a-version': '1.0' } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve(data));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export const userMessage = (text: string, contextId?: string) => ({
  message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text }], ...(contextId ? { contextId } : {}) },
});

export const textOf = (message: { parts?: { text?: string }[] } | undefined) => (message?.parts ?? []).map((p) => p.text ?? '').join('');

export { socketCall };
