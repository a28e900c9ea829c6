// Pilox with a managed agent in the sandbox whose "runner" is bench/llm-sandbox-client: the
// calls to the gateway are made from inside the sandbox, over its bind-mounted pilox.sock.
// Reads commands ("latency <s>", "rps <s> <c>") on stdin, forwards them to the agent over A2A
// and prints `result <json>` per command.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadConfig } from '../src/config.js';
import { createContainer } from '../src/container.js';
import type { Principal } from '../src/http/principal.js';
import { createLogger } from '../src/lib/logger.js';
import { root } from './lib.js';

const fixtureUrl = process.env.BENCH_FIXTURE_URL!;
const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  PILOX_DATA_DIR: mkdtempSync(join(tmpdir(), 'pilox-bench-llm-sbx-')),
  AUTH_SECRET: randomBytes(32).toString('hex'),
  ENCRYPTION_KEY: randomBytes(32).toString('hex'),
  AUTH_URL: 'http://localhost:8080',
  HIVE_EGRESS_FETCH_HOST_ALLOWLIST: '127.0.0.1',
  HIVE_EGRESS_FETCH_ALLOWED_PORTS: new URL(fixtureUrl).port,
  ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `pilox:bench:${process.pid}:` } : {}),
});
const container = await createContainer(config, createLogger({ level: 'silent' }), { managedRunner: { entry: join(root, 'bench/llm-sandbox-client/main.mjs') } });
const user = await container.users.create({ email: `bench-${randomUUID()}@example.com`, name: 'bench', password: 'bench-password-123', role: 'admin' }, { actor: null });
const principal: Principal = { kind: 'user', userId: user.id, email: user.email, role: 'admin', via: 'token' };
await container.llm.providers.create({ id: 'bench' }, { name: 'fixture', type: 'openai', baseUrl: fixtureUrl, apiKey: 'sk-bench', isDefault: true, models: [{ id: 'fixture-small', inputPerMillion: 1, outputPerMillion: 2 }] });
const agent = await container.agents.create(principal, {
  slug: 'llm-bench',
  name: 'llm bench',
  kind: 'managed',
  runtime: 'sandbox',
  managed: { model: 'fixture-small', systemPrompt: '', maxSteps: 1, tools: [], skills: [], limits: { requestsPerMinute: 100_000, maxOutputTokens: 1000 }, budget: {} },
});
await container.agents.operate(principal, agent.id, 'start');
process.stdout.write('gateway listening on sandbox\n');

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const out = await container.a2a.sendMessage('llm-bench', principal, { text: line.trim() });
  const message = ('message' in out ? out.message : (out.task as { status: { message: unknown } }).status.message) as { parts: { text: string }[] };
  process.stdout.write(`result ${message.parts[0]!.text}\n`);
}
await container.agents.operate(principal, agent.id, 'stop').catch(() => {});
await container.close();
process.exit(0);
