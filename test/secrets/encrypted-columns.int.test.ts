// The registry `pilox keys rotate` works from: every entry exists after migrations, and no
// `*_enc` column of the schema is missing from it (docs/secrets.md, registering a column).
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENCRYPTED_COLUMNS, columnLabel } from '../../src/lib/crypto/encrypted-columns.js';
import { queryRows, type Database } from '../../src/lib/db/database.js';
import * as schema from '../../src/lib/db/schema.js';
import { createTestDatabase } from '../helpers/stores.js';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

describe('encrypted column registry', () => {
  it.each(ENCRYPTED_COLUMNS.map((c) => [columnLabel(c), c] as const))('%s exists with its id column', async (_label, c) => {
    const rows = await queryRows<{ column_name: string }>(
      database.db,
      sql`select column_name from information_schema.columns where table_schema = current_schema() and table_name = ${c.table}`,
    );
    const names = rows.map((r) => r.column_name);
    expect(names).toContain(c.column);
    expect(names).toContain(c.idColumn);
  });

  it('lists every *_enc column of the schema', () => {
    const encColumns: string[] = [];
    for (const value of Object.values(schema)) {
      if (!(value instanceof PgTable)) continue;
      const cfg = getTableConfig(value);
      for (const col of cfg.columns) if (col.name.endsWith('_enc')) encColumns.push(`${cfg.name}.${col.name}`);
    }
    expect(encColumns.length).toBeGreaterThan(0);
    expect(encColumns.filter((label) => !ENCRYPTED_COLUMNS.some((c) => columnLabel(c) === label))).toEqual([]);
  });
});
