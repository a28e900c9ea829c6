// Test doubles of the A2A gateway's ports, built from real parts: echo agents run as child
// processes on unix sockets (as sandboxed agents do), and a small directory applies the
// agents module's visibility rules. Users are real (identity services, API tokens).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '../../src/http/access.js';
import type { Principal } from '../../src/http/principal.js';
import { NotFoundError, ServiceUnavailableError } from '../../src/lib/errors.js';
import { packageRoot } from '../../src/lib/paths.js';
import type { AgentDirectory, AgentEndpoint, DirectoryAgent } from '../../src/modules/a2a/a2a.ports.js';
import type { TestApp } from './app.js';
import { createTestUser, type TestUser } from './identity.js';

export const ECHO_AGENT = join(packageRoot, 'test/fixtures/echo-agent/server.mjs');

export interface ChildAgent {
  child: ChildProcess;
  /** unix socket path or http URL */
  address: string;
  stop(): Promise<void>;
}

/** Starts a program and waits for its `listening on <address>` line. */
export async function startAgentProcess(args: string[], env: Record<string, string>): Promise<ChildAgent> {
  const child = spawn(process.execPath, args, {
    cwd: packageRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`agent did not start: ${out} ${err}`)), 20_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`agent exited with ${code}: ${out} ${err}`));
    });
  });
  return {
    child,
    address,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function startEchoAgent(opts: { port?: number } = {}): Promise<ChildAgent & { socketPath?: string }> {
  if (opts.port !== undefined) return startAgentProcess([ECHO_AGENT], { PILOX_AGENT_PORT: String(opts.port) });
  const dir = mkdtempSync(join(tmpdir(), 'pilox-echo-'));
  const socketPath = join(dir, 'agent.sock');
  const agent = await startAgentProcess([ECHO_AGENT], { PILOX_AGENT_SOCKET: socketPath });
  return {
    ...agent,
    socketPath,
    async stop() {
      await agent.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Entry {
  agent: DirectoryAgent;
  endpoint: AgentEndpoint;
  running: boolean;
}

function maySee(agent: DirectoryAgent, p: Principal): boolean {
  if (agent.visibility === 'public') return true;
  if (p.kind === 'anonymous') return false;
  if (agent.visibility === 'instance') return true;
  // private: its owner, admins and the operator's machine token
  return p.kind === 'internal' || (p.kind === 'user' && (p.userId === agent.ownerId || p.role === 'admin'));
}

export function createTestDirectory() {
  const entries = new Map<string, Entry>();
  const directory: AgentDirectory & {
    add(agent: Partial<DirectoryAgent> & { slug: string }, endpoint: AgentEndpoint): DirectoryAgent;
    setRunning(slug: string, running: boolean): void;
  } = {
    add(partial, endpoint) {
      const agent: DirectoryAgent = {
        id: `agent-${partial.slug}`,
        name: partial.slug,
        description: `Test agent ${partial.slug}`,
        visibility: 'instance',
        ownerId: 'owner-1',
        ...partial,
      };
      entries.set(agent.slug, { agent, endpoint, running: true });
      return agent;
    },
    setRunning(slug, running) {
      entries.get(slug)!.running = running;
    },
    async resolveForCall(slug, principal) {
      const e = entries.get(slug);
      if (!e || !maySee(e.agent, principal)) throw new NotFoundError('Agent not found', 'AGENT_NOT_FOUND');
      if (!e.running) throw new ServiceUnavailableError('The agent is not running', 'AGENT_NOT_RUNNING');
      return { agent: e.agent, endpoint: e.endpoint };
    },
    async listVisible(principal) {
      return [...entries.values()].filter((e) => maySee(e.agent, principal)).map((e) => e.agent);
    },
  };
  return directory;
}

/** Real users with API tokens, made through the identity services, created once per name. */
export function testUsers(t: TestApp) {
  const made = new Map<string, Promise<TestUser>>();
  const get = (name: string, role: Role = 'viewer') => {
    let user = made.get(name);
    if (!user) {
      user = createTestUser(t, role, { name });
      made.set(name, user);
    }
    return user;
  };
  return {
    get,
    /** The `Authorization` header value of that user's API token. */
    auth: async (name: string, role?: Role) => (await get(name, role)).headers.authorization,
    id: async (name: string, role?: Role) => (await get(name, role)).user.id,
  };
}

/** A free TCP port for a server whose own URL must be known before it listens (AUTH_URL). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}
