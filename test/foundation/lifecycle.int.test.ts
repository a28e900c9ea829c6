// The process as an operator runs it: the CLI, start-up errors, migrations, graceful shutdown.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { loadConfig } from '../../src/config.js';
import { createContainer } from '../../src/container.js';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/lib/logger.js';
import { createTestApp, testEnv } from '../helpers/app.js';
import { runCli, spawnCli, waitForOutput } from '../helpers/cli.js';
import { createPostgresTestDatabaseUrl, createTestDatabase, createTestKv, usingRealServers } from '../helpers/stores.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'pilox-cli-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('pilox config check', () => {
  it('exits 1 and names every bad variable', async () => {
    const r = await runCli(['config', 'check'], { PORT: 'abc', HIVE_CLIENT_IP_SOURCE: 'nope', NODE_ENV: 'production' });
    expect(r.code).toBe(1);
    for (const v of ['PORT', 'HIVE_CLIENT_IP_SOURCE']) expect(r.stderr).toContain(`${v}:`);
  });

  it('exits 0 on a valid environment without writing into the data dir', async () => {
    const dir = tempDir();
    const r = await runCli(['config', 'check'], { PILOX_DATA_DIR: join(dir, 'data') });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/configuration OK/);
  });
});

describe('pilox start errors', () => {
  it('names REDIS_URL in one line when Redis is unreachable', async () => {
    const r = await runCli(['start'], { PILOX_DATA_DIR: tempDir(), REDIS_URL: 'redis://127.0.0.1:1', PORT: '0' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^pilox: REDIS_URL: cannot connect to redis:\/\/127\.0\.0\.1:1/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('names DATABASE_URL when PostgreSQL is unreachable, without leaking the password', async () => {
    const r = await runCli(['start'], { PILOX_DATA_DIR: tempDir(), DATABASE_URL: 'postgres://u:hunter2@127.0.0.1:1/db', PORT: '0' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^pilox: DATABASE_URL: cannot connect/);
    expect(r.stderr).not.toContain('hunter2');
  });

  it('rejects a malformed DATABASE_URL before connecting', async () => {
    const r = await runCli(['start'], { PILOX_DATA_DIR: tempDir(), DATABASE_URL: 'mysql://x/y' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/DATABASE_URL: must be a URL/);
  });
});

describe('migrations', () => {
  it('pilox migrate applies, and a second run is a no-op', async () => {
    const env: Record<string, string> = { PILOX_DATA_DIR: tempDir() };
    let drop: (() => Promise<void>) | undefined;
    if (usingRealServers().postgres) {
      const created = await createPostgresTestDatabaseUrl();
      env.DATABASE_URL = created.url;
      drop = created.drop;
    }
    try {
      const first = await runCli(['migrate'], env);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      const second = await runCli(['migrate'], env);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/migrations applied/);
    } finally {
      await drop?.();
    }
  });

  it('migrating an up-to-date database changes nothing', async () => {
    const database = await createTestDatabase();
    try {
      const count = async () => {
        const r = (await database.db.execute('select count(*)::int as n from drizzle.__drizzle_migrations' as never)) as unknown as {
          rows: { n: number }[];
        };
        return r.rows[0]!.n;
      };
      const before = await count();
      await database.migrate();
      await database.migrate();
      expect(await count()).toBe(before);
      expect(before).toBeGreaterThan(0);
    } finally {
      await database.close();
    }
  });
});

describe('pilox start', () => {
  it('serves on PORT, prints the URL, and exits 0 on SIGTERM', async () => {
    const child = spawnCli(['start'], { PILOX_DATA_DIR: tempDir(), PORT: '0', HOST: '127.0.0.1' });
    try {
      const [, url] = await waitForOutput(child, /running at (http:\/\/\S+)/);
      const res = await fetch(`${url}/api/health`);
      expect(await res.json()).toEqual({ ok: true });
      const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('graceful shutdown', () => {
  it('lets in-flight requests finish, then refuses new ones and closes the stores', async () => {
    const database = await createTestDatabase();
    const kv = await createTestKv();
    const config = loadConfig(testEnv({ PILOX_DATA_DIR: tempDir() }));
    const container = await createContainer(config, createLogger({ level: 'silent' }), { database, kv });
    const app = await buildApp(container);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    app.withTypeProvider<ZodTypeProvider>().get(
      '/api/__slow',
      { config: { access: 'public' }, schema: { response: { 200: z.object({ done: z.boolean() }) } } },
      async () => {
        await gate;
        return { done: true };
      },
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const inflight = fetch(`http://127.0.0.1:${port}/api/__slow`);
    await new Promise((r) => setTimeout(r, 100));
    const closing = app.close();
    await new Promise((r) => setTimeout(r, 50));
    release();
    const res = await inflight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    await closing;
    await expect(fetch(`http://127.0.0.1:${port}/api/health`)).rejects.toThrow();
    await container.close();
    await kv.close();
    await database.close();
  });
});

describe('deep health', () => {
  it('answers 503 { ok: false } when the database is down, and nothing more', async () => {
    const t = await createTestApp({ env: { HEALTH_CHECK_DEEP: 'true' } });
    expect((await t.app.inject({ method: 'GET', url: '/api/health' })).json()).toEqual({ ok: true });
    // Take the database away underneath the running app.
    const closeDb = t.database.close;
    await closeDb();
    const res = await t.app.inject({ method: 'GET', url: '/api/health' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ ok: false });
    await t.app.close();
    await t.kv.close();
  });
});
