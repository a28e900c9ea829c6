import type { Pool } from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import { migrationsDir } from '../paths.js';

// Several replicas may start at once; one session-level advisory lock serializes them and the
// second one then finds every migration applied (drizzle's journal makes re-runs no-ops).
const MIGRATION_LOCK_KEY = 7_301_944_211;

export async function migratePostgres(pool: Pool): Promise<void> {
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const { migrate } = await import('drizzle-orm/node-postgres/migrator');
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await migrate(drizzle(client), { migrationsFolder: migrationsDir });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}

export async function migratePglite(client: PGlite): Promise<void> {
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  await migrate(drizzle(client), { migrationsFolder: migrationsDir });
}
