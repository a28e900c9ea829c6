// `pilox keys rotate` end to end: the real CLI in a child process against the run's database
// kind (a PostgreSQL clone, or an on-disk PGlite directory), servers before and after.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createContainer, type Container } from '../../src/container.js';
import { keyIdOf } from '../../src/lib/crypto/secret-box.js';
import { queryRows } from '../../src/lib/db/database.js';
import { createLogger } from '../../src/lib/logger.js';
import { runCli, spawnCli, waitForOutput } from '../helpers/cli.js';
import { createPostgresTestDatabaseUrl, usingRealServers } from '../helpers/stores.js';

const OLD = randomBytes(32).toString('hex');
const NEW = randomBytes(32).toString('hex');
const agentId = randomUUID();

let dataDir: string;
let databaseUrl: string | undefined;
let dropDatabase: (() => Promise<void>) | undefined;
const expected = new Map<string, string>();

function env(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    AUTH_SECRET: 'x'.repeat(40),
    PILOX_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    ENCRYPTION_KEY: OLD,
    ...extra,
  };
}

/** A server process's container (own database connection, as after a restart). */
async function withServer<T>(extra: Record<string, string | undefined>, fn: (c: Container) => Promise<T>): Promise<T> {
  const config = loadConfig(env(extra));
  const container = await createContainer(config, createLogger({ level: 'silent' }));
  try {
    return await fn(container);
  } finally {
    await container.close();
  }
}

async function keyCounts(c: Container): Promise<Record<string, number>> {
  const rows = await queryRows<{ k: string; n: number }>(c.db, sql`select split_part(value_enc, '.', 2) as k, count(*)::int as n from secrets group by 1`);
  return Object.fromEntries(rows.map((r) => [r.k, r.n]));
}

async function readAll(c: Container): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const owners = await queryRows<{ owner_id: string }>(c.db, sql`select distinct owner_id from secrets`);
  for (const { owner_id } of owners) {
    const names = await queryRows<{ name: string }>(c.db, sql`select name from secrets where owner_id = ${owner_id} and agent_id is null`);
    const values = await c.secrets.resolveForAgent(owner_id, agentId, names.map((n) => n.name));
    for (const [name, value] of Object.entries(values)) out.set(`${owner_id}/${name}`, value);
  }
  return out;
}

async function seed(c: Container, owner: string, count: number, prefix: string) {
  for (let i = 0; i < count; i++) {
    const value = `${prefix}-${i}-${randomBytes(8).toString('hex')}`;
    await c.secrets.create({ id: owner }, { name: `${prefix}_${i}`, value });
    expected.set(`${owner}/${prefix}_${i}`, value);
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pilox-rotate-'));
  if (usingRealServers().postgres) {
    const created = await createPostgresTestDatabaseUrl();
    databaseUrl = created.url;
    dropDatabase = created.drop;
  }
  await withServer({}, async (c) => {
    await seed(c, 'owner-a', 30, 'A');
    await seed(c, 'owner-b', 27, 'B');
  });
});

afterAll(async () => {
  await dropDatabase?.();
  rmSync(dataDir, { recursive: true, force: true });
});

// Each test spawns the CLI (tsx) and reopens the database: slow on a loaded 2-core machine.
describe('pilox keys rotate', { timeout: 120_000 }, () => {
  it('refuses a malformed --new-key and changes nothing', async () => {
    const res = await runCli(['keys', 'rotate', '--new-key', 'abc123'], env());
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('--new-key: must be exactly 64 hex characters');
    await withServer({}, async (c) => expect(await keyCounts(c)).toEqual({ [keyIdOf(OLD)]: 57 }));
  });

  it('refuses to start when ENCRYPTION_KEY cannot decrypt the stored values, and changes nothing', async () => {
    const wrong = randomBytes(32).toString('hex');
    const res = await runCli(['keys', 'rotate', '--new-key', NEW], env({ ENCRYPTION_KEY: wrong }));
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`use key ${keyIdOf(OLD)}, which is not configured`);
    await withServer({}, async (c) => {
      expect(await keyCounts(c)).toEqual({ [keyIdOf(OLD)]: 57 });
      expect(await queryRows(c.db, sql`select * from encryption_key_rotations`)).toEqual([]);
    });
  });

  it('stops after --max-batches with exit status 3, every value still readable', async () => {
    const res = await runCli(['keys', 'rotate', '--new-key', NEW, '--batch-size', '10', '--max-batches', '2'], env());
    expect(res.stderr).toBe('secrets.value_enc: 10/57 (17%)\nsecrets.value_enc: 20/57 (35%)\n');
    expect(res.code).toBe(3);
    expect(res.stdout).toContain(`starting rotation to key ${keyIdOf(NEW)}`);
    expect(res.stdout).toContain('paused after 2 batch(es)');
    // A replica restarted for the rotation window reads both keys and writes with the new one.
    await withServer({ ENCRYPTION_KEY: NEW, ENCRYPTION_KEY_PREVIOUS: OLD }, async (c) => {
      expect(await keyCounts(c)).toEqual({ [keyIdOf(NEW)]: 20, [keyIdOf(OLD)]: 37 });
      expect(await readAll(c)).toEqual(expected);
      await seed(c, 'owner-c', 2, 'DURING');
    });
    // A replica not yet restarted still writes with the old key: the run must catch these too.
    await withServer({}, async (c) => seed(c, 'owner-c', 3, 'LATE'));
  });

  it('resumes after being killed mid-run and finishes', async () => {
    const child = spawnCli(['keys', 'rotate', '--new-key', NEW, '--batch-size', '1'], { ...env(), LOG_LEVEL: 'silent' });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    await waitForOutput(child, /resuming rotation/);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (/value_enc: \d+\//.test(stderr)) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await withServer({ ENCRYPTION_KEY: NEW, ENCRYPTION_KEY_PREVIOUS: OLD }, async (c) => {
      const counts = await keyCounts(c);
      expect(counts[keyIdOf(OLD)]).toBeGreaterThan(0); // really interrupted
      expect(await readAll(c)).toEqual(expected);
    });

    const res = await runCli(['keys', 'rotate', '--new-key', NEW, '--batch-size', '7'], env());
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('resuming rotation');
    // 57 seeded + 3 written with the old key during the window; the 2 written with the new key needed nothing.
    expect(res.stdout).toContain(`rotation complete: 60 value(s) re-encrypted; every value is now under key ${keyIdOf(NEW)}`);
  });

  it('leaves every value under the new key, readable after a restart with only the new key', async () => {
    await withServer({ ENCRYPTION_KEY: NEW }, async (c) => {
      expect(await keyCounts(c)).toEqual({ [keyIdOf(NEW)]: 62 });
      expect(await readAll(c)).toEqual(expected);
      const [row] = await queryRows<{ status: string }>(c.db, sql`select status from encryption_key_rotations where target_key_id = ${keyIdOf(NEW)}`);
      expect(row!.status).toBe('completed');
    });
    // The old key alone no longer reads anything.
    await withServer({}, async (c) => {
      await expect(c.secrets.resolveForAgent('owner-a', agentId, ['A_0'])).rejects.toMatchObject({ code: 'SECRET_KEY_UNKNOWN' });
    });
  });

  it('is idempotent once complete, also when run with the new key as ENCRYPTION_KEY', async () => {
    const res = await runCli(['keys', 'rotate', '--new-key', NEW], env({ ENCRYPTION_KEY: NEW }));
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('secrets.value_enc: 0 value(s) to re-encrypt');
    expect(res.stdout).toContain('rotation complete');
  });

  it('refuses to treat a plaintext value as a secret', async () => {
    await withServer({ ENCRYPTION_KEY: NEW }, async (c) => {
      await c.db.execute(sql`insert into secrets (owner_id, name, value_enc) values ('owner-z', 'RAW', 'plain-value')`);
    });
    const res = await runCli(['keys', 'rotate', '--new-key', randomBytes(32).toString('hex')], env({ ENCRYPTION_KEY: NEW }));
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('secrets.value_enc: 1 value(s) are not ciphertexts');
    await withServer({ ENCRYPTION_KEY: NEW }, async (c) => {
      expect(await keyCounts(c)).toEqual({ [keyIdOf(NEW)]: 62, '': 1 });
    });
  });
});
