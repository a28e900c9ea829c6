// Pilox's LLM gateway in its own process for the llm-gateway benchmark: the real container
// (embedded stores unless DATABASE_URL/REDIS_URL), a default provider pointing at the fixture,
// and one managed agent's pilox.sock served by container.agentHostHandler — what a runtime does.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { createContainer } from '../src/container.js';
import { createLogger } from '../src/lib/logger.js';
import { managedConfigSchema } from '../src/modules/agents/managed-config.js';

const fixtureUrl = process.env.BENCH_FIXTURE_URL!;
const port = new URL(fixtureUrl).port;
const config = loadConfig({
  ...process.env,
  NODE_ENV: 'development',
  AUTH_SECRET: 'bench-auth-secret-0123456789abcdef0123456789abcdef',
  ENCRYPTION_KEY: '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  HIVE_EGRESS_FETCH_HOST_ALLOWLIST: '127.0.0.1',
  HIVE_EGRESS_FETCH_ALLOWED_PORTS: port,
});
const container = await createContainer(config, createLogger({ level: 'warn' }), { cli: true });
const owner = await container.users.create({ email: `bench-${randomUUID()}@example.com`, name: 'bench', password: 'bench-password-123', role: 'operator' }, { actor: null });
await container.llm.providers.create({ id: 'bench' }, { name: 'fixture', type: 'openai', baseUrl: fixtureUrl, apiKey: 'sk-bench', isDefault: true, models: [{ id: 'fixture-small', inputPerMillion: 1, outputPerMillion: 2 }] });
const agent = {
  id: randomUUID(),
  slug: 'bench-agent',
  ownerId: owner.id,
  kind: 'managed' as const,
  // A limit is configured so its Kv check is part of the measured path.
  managed: managedConfigSchema.parse({ model: 'fixture-small', limits: { requestsPerMinute: 100_000, maxOutputTokens: 1000 } }),
};
const socketPath = join(mkdtempSync(join(tmpdir(), 'pilox-bench-llm-')), 'pilox.sock');
const server = createServer((req, res) => container.agentHostHandler(agent, req, res));
server.keepAliveTimeout = 65_000;
server.listen(socketPath, () => process.stdout.write(`gateway listening on ${socketPath}\n`));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => void container.close().then(() => process.exit(0)));
});
