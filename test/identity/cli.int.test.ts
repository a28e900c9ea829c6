// The identity CLI run as an operator would: separate processes on the instance's stores.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/lib/db/database.js';
import { createTestApp } from '../helpers/app.js';
import { runCli, spawnCli, waitForOutput } from '../helpers/cli.js';
import { createPostgresTestDatabaseUrl, usingRealServers } from '../helpers/stores.js';

describe('identity CLI', { timeout: 120_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pilox-cli-identity-'));
  let env: Record<string, string>;
  let dropDatabase: (() => Promise<void>) | undefined;
  let databaseUrl: string | undefined;
  let password = '';

  beforeAll(async () => {
    env = { PILOX_DATA_DIR: dataDir, AUTH_SECRET: 'cli-test-auth-secret-0123456789abcdefghij', ENCRYPTION_KEY: 'ab'.repeat(32) };
    if (usingRealServers().postgres) {
      const created = await createPostgresTestDatabaseUrl();
      databaseUrl = created.url;
      dropDatabase = created.drop;
      env.DATABASE_URL = created.url;
    }
  });
  afterAll(async () => {
    await dropDatabase?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function openStores(): Promise<Database> {
    return databaseUrl ? openDatabase({ kind: 'postgres', url: databaseUrl, poolSize: 2 }) : openDatabase({ kind: 'pglite', dataDir });
  }

  it('creates an admin with a generated password, printed once', async () => {
    const r = await runCli(['admin', 'create', '--email', 'Ops@Example.com', '--name', 'Ops'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^admin created: ops@example\.com \([0-9a-f-]{36}\)/);
    password = /password: (\S+)/.exec(r.stdout)![1]!;
    const dup = await runCli(['admin', 'create', '--email', 'ops@example.com'], env);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/EMAIL_TAKEN/);
  });

  it('lists users, as a table and as JSON', async () => {
    const table = await runCli(['users', 'list'], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+EMAIL\s+ROLE/);
    expect(table.stdout).toMatch(/ops@example\.com\s+admin\s+active/);
    const json = await runCli(['users', 'list', '--json'], env);
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ email: 'ops@example.com', role: 'admin' })]);
  });

  it('creates tokens within the owner’s role, refuses escalation and bad roles', async () => {
    const created = await runCli(['token', 'create', '--role', 'operator', '--name', 'deploy', '--expires-days', '30'], env);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^pilox_[A-Za-z0-9_-]{43}$/);

    const bad = await runCli(['token', 'create', '--role', 'root'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--role must be one of viewer, operator, admin/);

    const database = await openStores();
    const t = await createTestApp({ database });
    try {
      const me = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } });
      expect(me.json().principal).toMatchObject({ kind: 'user', role: 'operator', via: 'token' });
      const viewer = await t.container.users.create({ email: 'v@example.com', name: 'V', password: 'viewer password', role: 'viewer' }, { actor: null });
      expect(viewer.role).toBe('viewer');
      const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'ops@example.com', password } });
      expect(login.statusCode).toBe(200);
    } finally {
      await t.close();
      await database.close();
    }
    const escalate = await runCli(['token', 'create', '--role', 'admin', '--user', 'v@example.com'], env);
    expect(escalate.code).toBe(1);
    expect(escalate.stderr).toMatch(/ROLE_ESCALATION/);
  });

  it('verifies the audit chain and names the first broken row', async () => {
    const ok = await runCli(['audit', 'verify'], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^audit chain OK: \d+ rows \(#\d+–#\d+\), head [0-9a-f]{64}/);

    const database = await openStores();
    let victim: number;
    try {
      const rows = (await database.db.execute(sql`select id from audit_logs order by id limit 2`)) as unknown as { rows: { id: string | number }[] };
      victim = Number(rows.rows[1]!.id);
      await database.db.execute(sql`update audit_logs set action = 'user.tampered' where id = ${victim}`);
    } finally {
      await database.close();
    }
    const broken = await runCli(['audit', 'verify'], env);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(new RegExp(`^audit chain BROKEN at row #${victim}: `));
  });

});

describe('pilox start on a fresh instance', { timeout: 120_000 }, () => {
  it('prints a one-time setup token that creates the first admin over HTTP', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pilox-start-setup-'));
    const child = spawnCli(['start'], { PILOX_DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1' });
    try {
      // One matcher for both lines: they may arrive in one chunk.
      const [, url, token] = await waitForOutput(child, /running at (http:\/\/\S+)[\s\S]*setup token: (\S+)/);
      const post = (headers: Record<string, string>) =>
        fetch(`${url}/api/setup`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ email: 'first@example.com', name: 'First', password: 'first admin password' }),
        });
      expect((await post({})).status).toBe(401);
      const ok = await post({ authorization: `Bearer ${token}` });
      expect(ok.status).toBe(201);
      expect(ok.headers.get('set-cookie')).toMatch(/^pilox_session=/);
      expect((await post({ authorization: `Bearer ${token}` })).status).toBe(409);
    } finally {
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
