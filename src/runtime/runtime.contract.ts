// The runtime contract: every AgentRuntime driver passes this suite (ARCHITECTURE rule 9).
// Isolated drivers also prove their limits: memory kill, no /etc/shadow or /root, no TCP to a
// host loopback listener, no writes outside the work dir.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, request } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../lib/paths.js';
import { waitForCard } from './probe.js';
import type { AgentRuntime, AgentStartSpec, InstanceRef, LogLine, RuntimeExit } from './runtime.js';

const ECHO_DIR = join(packageRoot, 'test/fixtures/echo-agent');
const PROBE_DIR = join(packageRoot, 'test/fixtures/runtime-probe');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** POST a JSON-RPC body to the agent's unix socket. */
export function rpcOverSocket(socketPath: string, body: unknown): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request({ socketPath, path: '/', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as unknown }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function collect(it: AsyncIterable<LogLine>): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const l of it) out.push(l);
  return out;
}

export function describeRuntimeContract(name: string, open: () => AgentRuntime, opts: { isolated: boolean }) {
  describe(`runtime contract: ${name}`, () => {
    let runtime: AgentRuntime;
    let base: string;
    const started: InstanceRef[] = [];

    beforeAll(() => {
      runtime = open();
      base = mkdtempSync(join(tmpdir(), 'pilox-rt-'));
    });
    afterAll(async () => {
      for (const ref of started) await runtime.stop(ref, { graceMs: 1000 }).catch(() => {});
      rmSync(base, { recursive: true, force: true });
    });

    function spec(program: AgentStartSpec['program'], extra: Partial<AgentStartSpec> = {}): AgentStartSpec & { exits: RuntimeExit[] } {
      const agentId = randomUUID();
      const dir = join(base, agentId.slice(0, 8));
      const exits: RuntimeExit[] = [];
      return {
        agentId,
        slug: `t-${agentId.slice(0, 8)}`,
        program,
        env: {},
        limits: { memoryMb: 256, cpuShares: 1024, pids: 64 },
        workDir: join(dir, 'work'),
        socketDir: join(dir, 's'),
        logDir: join(dir, 'logs'),
        onExit: (e) => exits.push(e),
        exits,
        ...extra,
      };
    }

    async function exited(s: { exits: RuntimeExit[] }, timeoutMs = 20_000): Promise<RuntimeExit> {
      const deadline = Date.now() + timeoutMs;
      while (s.exits.length === 0 && Date.now() < deadline) await sleep(25);
      expect(s.exits.length).toBe(1);
      return s.exits[0]!;
    }

    it('is available here', async () => {
      expect(await runtime.available()).toEqual({ available: true });
    });

    it('starts, becomes ready, answers calls, logs, reports stats, pauses, resumes and stops', async () => {
      const s = spec({ kind: 'node', entry: join(ECHO_DIR, 'server.mjs'), readOnlyPaths: [ECHO_DIR] });
      const ref = await runtime.start(s);
      started.push(ref);
      const endpoint = runtime.endpoint(ref);
      expect(endpoint.kind).toBe('unix');
      const socketPath = (endpoint as { socketPath: string }).socketPath;
      expect(await waitForCard(socketPath, { timeoutMs: 20_000 })).toBe(true);
      expect(await runtime.inspect(ref)).toEqual({ state: 'running' });

      const call = await rpcOverSocket(socketPath, {
        jsonrpc: '2.0',
        id: 1,
        method: 'message/send',
        params: { message: { kind: 'message', role: 'user', messageId: randomUUID(), parts: [{ kind: 'text', text: 'ping' }] } },
      });
      expect(call.status).toBe(200);
      expect(JSON.stringify(call.json)).toContain('ping');

      const logs = await collect(runtime.logs(ref, { tail: 50 }));
      expect(logs.some((l) => l.stream === 'stdout' && l.line.includes('listening'))).toBe(true);

      const stats = await runtime.stats(ref);
      expect(stats.memoryBytes).toBeGreaterThan(0);
      expect(stats.pids).toBeGreaterThan(0);

      await runtime.pause(ref);
      expect(await runtime.inspect(ref)).toEqual({ state: 'paused' });
      await runtime.resume(ref);
      expect(await runtime.inspect(ref)).toEqual({ state: 'running' });
      expect(await waitForCard(socketPath, { timeoutMs: 10_000 })).toBe(true);

      await runtime.stop(ref, { graceMs: 5000 });
      const exit = await exited(s);
      expect(exit.requested).toBe(true);
      expect(await runtime.inspect(ref)).toMatchObject({ state: 'exited', exit: { requested: true } });
      // Idempotent.
      await runtime.stop(ref);
    });

    it('reports a crash with its exit code and keeps its output', async () => {
      const s = spec({ kind: 'node', entry: join(PROBE_DIR, 'probe.mjs'), args: ['crash', '3'], readOnlyPaths: [PROBE_DIR] });
      const ref = await runtime.start(s);
      started.push(ref);
      const exit = await exited(s);
      expect(exit).toMatchObject({ exitCode: 3, requested: false });
      expect(exit.reason).toContain('3');
      expect(await runtime.inspect(ref)).toMatchObject({ state: 'exited', exit: { exitCode: 3 } });
      const logs = await collect(runtime.logs(ref, { tail: 10 }));
      expect(logs.map((l) => l.line)).toEqual(expect.arrayContaining(['about to crash', 'crash on stderr']));
    });

    it.skipIf(!opts.isolated)('kills a program that allocates past its memory limit', async () => {
      const s = spec(
        { kind: 'node', entry: join(PROBE_DIR, 'probe.mjs'), args: ['hog'], readOnlyPaths: [PROBE_DIR] },
        { limits: { memoryMb: 96, cpuShares: 1024, pids: 64 } },
      );
      const ref = await runtime.start(s);
      started.push(ref);
      const exit = await exited(s, 60_000);
      expect(exit.requested).toBe(false);
      expect(exit.signal === 'SIGKILL' || /out of memory/.test(exit.reason)).toBe(true);
      const logs = await collect(runtime.logs(ref, { tail: 1000 }));
      const mb = Math.max(0, ...logs.map((l) => Number(/allocated (\d+) MB/.exec(l.line)?.[1] ?? 0)));
      expect(mb).toBeLessThanOrEqual(96);
    });

    it.skipIf(!opts.isolated)('cannot read /etc/shadow or /root, reach a host loopback listener, or write outside its work dir', async () => {
      let connections = 0;
      const tcp = createTcpServer((sock) => {
        connections++;
        sock.destroy();
      });
      await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
      const http = createHttpServer((_q, res) => res.end('reached'));
      await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
      try {
        const s = spec(
          { kind: 'node', entry: join(PROBE_DIR, 'probe.mjs'), args: ['escape'], readOnlyPaths: [PROBE_DIR] },
          { env: { PROBE_TCP_PORT: String((tcp.address() as AddressInfo).port) } },
        );
        const ref = await runtime.start(s);
        started.push(ref);
        const exit = await exited(s, 30_000);
        expect(exit.exitCode).toBe(0);
        const logs = await collect(runtime.logs(ref, { tail: 100 }));
        const line = logs.find((l) => l.line.startsWith('RESULT '));
        expect(line, JSON.stringify(logs)).toBeDefined();
        const result = JSON.parse(line!.line.slice('RESULT '.length)) as Record<string, string>;
        expect(result.readShadow).toMatch(/^denied/);
        expect(result.readRoot).toMatch(/^denied/);
        expect(result.writeTmpOutside).toMatch(/^denied/);
        expect(result.writeUsr).toMatch(/^denied/);
        expect(result.tcp).toMatch(/^denied/);
        expect(result.writeWork).toBe('allowed');
        expect(connections).toBe(0);
      } finally {
        tcp.close();
        http.close();
      }
    });
  });
}
