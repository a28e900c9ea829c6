// A Pilox built in-process (embedded stores, temp data dir) with an admin token and a minimal
// package agent, for the agent runtime benchmarks (coldstart, density).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { loadConfig } from '../src/config.js';
import { createContainer, type Container } from '../src/container.js';
import { buildApp, type App } from '../src/http/app.js';
import { createLogger } from '../src/lib/logger.js';

/** The smallest package agent: answers its card on PILOX_AGENT_SOCKET, nothing else. */
const MINIMAL_AGENT = `import { createServer } from 'node:http';
const card = JSON.stringify({ name: 'minimal', description: 'bench', version: '1.0.0', protocolVersion: '0.3.0', url: 'http://agent/', capabilities: {}, defaultInputModes: ['text/plain'], defaultOutputModes: ['text/plain'], skills: [] });
createServer((req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(card); }).listen(process.env.PILOX_AGENT_SOCKET);
process.on('SIGTERM', () => process.exit(0));
`;

export interface BenchPilox {
  app: App;
  container: Container;
  auth: { authorization: string };
  minimalPackage: Buffer;
  close(): Promise<void>;
}

export async function startBenchPilox(): Promise<BenchPilox> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pilox-bench-agents-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PILOX_DATA_DIR: dataDir,
    AUTH_SECRET: randomBytes(32).toString('hex'),
    ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    AUTH_URL: 'http://localhost:8080',
    API_RATE_LIMIT_MAX: '0',
    // The docker driver is measured only when an engine is given (CI: scripts/podman-service.sh).
    DOCKER_HOST: process.env.DOCKER_HOST,
  });
  const container = await createContainer(config, createLogger({ level: 'silent' }));
  const app = await buildApp(container);
  await app.ready();
  const user = await container.users.create({ email: 'bench@example.com', name: 'bench', password: `pw-${randomBytes(8).toString('hex')}`, role: 'admin' }, { actor: null });
  const { token } = await container.tokens.create({ ownerId: user.id, name: 'bench' }, { actor: null });
  const pkgDir = join(dataDir, 'pkg-src');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(pkgDir);
  writeFileSync(join(pkgDir, 'package.json'), JSON.stringify({ name: 'minimal', type: 'module', main: 'main.mjs' }));
  writeFileSync(join(pkgDir, 'main.mjs'), MINIMAL_AGENT);
  const chunks: Buffer[] = [];
  for await (const c of tar.c({ gzip: true, cwd: pkgDir, portable: true }, ['package.json', 'main.mjs']) as AsyncIterable<Buffer>) chunks.push(c);
  return {
    app,
    container,
    auth: { authorization: `Bearer ${token}` },
    minimalPackage: Buffer.concat(chunks),
    async close() {
      await app.close();
      await container.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function createPackageAgent(p: BenchPilox, slug: string, runtime: string): Promise<string> {
  const res = await p.app.inject({ method: 'POST', url: '/api/agents', headers: p.auth, payload: { slug, name: slug, kind: 'package', runtime, restartPolicy: 'never' } });
  if (res.statusCode !== 201) throw new Error(`create ${slug}: ${res.statusCode} ${res.body}`);
  const { id } = res.json() as { id: string };
  const up = await p.app.inject({ method: 'POST', url: `/api/agents/${id}/package`, headers: { ...p.auth, 'content-type': 'application/gzip' }, payload: p.minimalPackage });
  if (up.statusCode !== 200) throw new Error(`upload ${slug}: ${up.statusCode} ${up.body}`);
  return id;
}

export async function lifecycle(p: BenchPilox, id: string, op: 'start' | 'stop'): Promise<{ status: string }> {
  const res = await p.app.inject({ method: 'POST', url: `/api/agents/${id}/${op}`, headers: p.auth });
  if (res.statusCode !== 200) throw new Error(`${op}: ${res.statusCode} ${res.body}`);
  return res.json() as { status: string };
}

export function p50(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}
