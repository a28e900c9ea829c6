// Per-test-file stores on top of what global-setup prepared. Real PostgreSQL and Redis when
// the run was given TEST_DATABASE_URL / TEST_REDIS_URL, the embedded stores otherwise.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../src/lib/db/database.js';
import type { Kv } from '../../src/lib/kv/kv.js';
import { createMemoryKv } from '../../src/lib/kv/memory-kv.js';
import { createRedisKv, deleteKeysWithPrefix } from '../../src/lib/kv/redis-kv.js';

let counter = 0;

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export const usingRealServers = () => ({ postgres: inject('pgAdminUrl') !== null, redis: inject('redisUrl') !== null });

/** A fresh, migrated database URL cloned from the run's template (PostgreSQL runs only). */
export async function createPostgresTestDatabaseUrl(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = inject('pgAdminUrl');
  const template = inject('pgTemplate');
  if (!adminUrl || !template) throw new Error('not a PostgreSQL test run');
  const name = `pilox_t_${inject('runId')}_${process.pid}_${++counter}_${randomBytes(2).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // Cloning a template fails while another clone of it is starting; retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`create database "${name}" template "${template}"`);
        break;
      } catch (err) {
        if (attempt >= 20 || !/being accessed by other users/.test(String(err))) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(adminUrl, name),
    async drop() {
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`drop database if exists "${name}" with (force)`).finally(() => a.end());
    },
  };
}

/** A migrated database of the run's kind; close() also drops it. */
export async function createTestDatabase(): Promise<Database> {
  if (inject('pgAdminUrl')) {
    const created = await createPostgresTestDatabaseUrl();
    const database = await openDatabase({ kind: 'postgres', url: created.url, poolSize: 5 });
    return {
      ...database,
      async close() {
        await database.close();
        await created.drop();
      },
    };
  }
  const dump = inject('pgliteDump');
  if (!dump) throw new Error('global setup did not prepare a PGlite dump');
  const buf = await readFile(dump);
  return openDatabase({ kind: 'pglite', loadDataDir: new Blob([buf]) });
}

/** A fresh key prefix for Redis runs (deleted on close); the in-process Kv otherwise. */
export async function createTestKv(): Promise<Kv & { prefix: string | null }> {
  const url = inject('redisUrl');
  if (!url) return Object.assign(createMemoryKv(), { prefix: null });
  const prefix = `${inject('redisPrefix')}${randomBytes(4).toString('hex')}:`;
  const kv = await createRedisKv({ url, prefix });
  const closeConnection = kv.close.bind(kv);
  return Object.assign(kv, {
    prefix,
    async close() {
      await closeConnection();
      await deleteKeysWithPrefix(url, prefix);
    },
  });
}
