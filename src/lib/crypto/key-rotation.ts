// Re-encrypts every registered column (encrypted-columns.ts) under the target key, in batches,
// one transaction per batch, with progress recorded in encryption_key_rotations so an
// interrupted run resumes where it stopped. The box decrypts with the old keys throughout.
import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db, type DbOrTx } from '../db/database.js';
import { columnLabel, type EncryptedColumn } from './encrypted-columns.js';
import type { ColumnRotationProgress } from './key-rotation.tables.js';
import { SecretBoxError, type SecretBox } from './secret-box.js';

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;
/** Passes over a column before giving up: values under an old key keep appearing. */
const MAX_PASSES = 5;

export class KeyRotationError extends Error {
  override name = 'KeyRotationError';
}

export interface RotationProgressEvent {
  column: string;
  /** Values re-encrypted in this column so far (all runs of this rotation). */
  rewritten: number;
  /** Values that needed re-encryption when this run started, plus those rewritten before it. */
  total: number;
}

export interface RotateOptions {
  db: Db;
  /** Current key = the target key; previous keys = the old ones. */
  box: SecretBox;
  columns: readonly EncryptedColumn[];
  batchSize?: number;
  /** Stop after this many batches (status 'paused'); run again to continue. */
  maxBatches?: number;
  onStart?(info: { targetKeyId: string; resumed: boolean; remaining: Record<string, number> }): void;
  onProgress?(event: RotationProgressEvent): void;
}

export interface RotationResult {
  status: 'completed' | 'paused';
  targetKeyId: string;
  resumed: boolean;
  batches: number;
  rewritten: Record<string, number>;
}

const id = (name: string) => sql.identifier(name);

function notOnTarget(c: EncryptedColumn, prefix: string): SQL {
  return sql`${id(c.column)} is not null and not starts_with(${id(c.column)}, ${prefix})`;
}

async function idType(db: DbOrTx, c: EncryptedColumn): Promise<string> {
  const rows = await queryRows<{ udt: string }>(
    db,
    sql`select udt_name as udt from information_schema.columns where table_schema = current_schema() and table_name = ${c.table} and column_name = ${c.idColumn}`,
  );
  const cols = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from information_schema.columns where table_schema = current_schema() and table_name = ${c.table} and column_name = ${c.column}`,
  );
  if (!rows[0] || !cols[0]?.n) throw new KeyRotationError(`${columnLabel(c)}: registered in encrypted-columns.ts but not in the database (run migrations)`);
  if (!IDENT.test(rows[0].udt)) throw new KeyRotationError(`${c.table}.${c.idColumn}: unsupported id type ${rows[0].udt}`);
  return rows[0].udt;
}

/** Refuses to start when a value cannot be decrypted with the configured keys: nothing is changed. */
async function preflight(db: Db, box: SecretBox, c: EncryptedColumn): Promise<void> {
  const groups = await queryRows<{ key_id: string | null; n: number; malformed: number }>(
    db,
    sql`select case when ${id(c.column)} like 'v1.%' then split_part(${id(c.column)}, '.', 2) end as key_id,
               count(*)::int as n
        from ${id(c.table)} where ${id(c.column)} is not null group by 1`,
  );
  for (const g of groups) {
    if (g.key_id === null) {
      throw new KeyRotationError(`${columnLabel(c)}: ${g.n} value(s) are not ciphertexts; refusing to treat them as plaintext`);
    }
    if (!box.keyIds.includes(g.key_id)) {
      throw new KeyRotationError(
        `${columnLabel(c)}: ${g.n} value(s) use key ${g.key_id}, which is not configured (ENCRYPTION_KEY / ENCRYPTION_KEY_PREVIOUS); known: ${box.keyIds.join(', ')}`,
      );
    }
  }
}

async function remaining(db: DbOrTx, c: EncryptedColumn, prefix: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from ${id(c.table)} where ${notOnTarget(c, prefix)}`);
  return row?.n ?? 0;
}

export async function rotateEncryptedColumns(opts: RotateOptions): Promise<RotationResult> {
  const { db, box, columns } = opts;
  const batchSize = opts.batchSize ?? 200;
  const targetKeyId = box.currentKeyId;
  const prefix = `v1.${targetKeyId}.`;
  for (const c of columns) {
    for (const name of [c.table, c.idColumn, c.column]) if (!IDENT.test(name)) throw new KeyRotationError(`invalid identifier ${name}`);
  }
  const idTypes = new Map<string, string>();
  for (const c of columns) {
    idTypes.set(columnLabel(c), await idType(db, c));
    await preflight(db, box, c);
  }

  const inserted = await queryRows<{ target_key_id: string }>(
    db,
    sql`insert into encryption_key_rotations (target_key_id) values (${targetKeyId}) on conflict do nothing returning target_key_id`,
  );
  const [existing] = await queryRows<{ progress: Record<string, ColumnRotationProgress> }>(
    db,
    sql`select progress from encryption_key_rotations where target_key_id = ${targetKeyId}`,
  );
  const resumed = inserted.length === 0 && Object.values(existing?.progress ?? {}).some((p) => p.rewritten > 0 || p.lastId !== null);
  const rewritten: Record<string, number> = {};
  const totals: Record<string, number> = {};
  const left: Record<string, number> = {};
  for (const c of columns) {
    const label = columnLabel(c);
    rewritten[label] = existing?.progress[label]?.rewritten ?? 0;
    left[label] = await remaining(db, c, prefix);
    totals[label] = rewritten[label] + left[label];
  }
  opts.onStart?.({ targetKeyId, resumed, remaining: left });

  let batches = 0;
  for (const c of columns) {
    const label = columnLabel(c);
    const castId = sql.raw(idTypes.get(label)!);
    for (let pass = 0; ; ) {
      if (opts.maxBatches !== undefined && batches >= opts.maxBatches) {
        return { status: 'paused', targetKeyId, resumed, batches, rewritten };
      }
      const step = await db.transaction(async (tx) => {
        // The progress row is the rotation's lock: concurrent runs take turns batch by batch.
        const [row] = await queryRows<{ progress: Record<string, ColumnRotationProgress> }>(
          tx,
          sql`select progress from encryption_key_rotations where target_key_id = ${targetKeyId} for update`,
        );
        const progress = row?.progress ?? {};
        const current = progress[label] ?? { lastId: null, rewritten: 0, done: false };
        const after = current.lastId === null ? sql`` : sql` and ${id(c.idColumn)} > ${current.lastId}`;
        const rows = await queryRows<{ id: string; value: string }>(
          tx,
          sql`select ${id(c.idColumn)}::text as id, ${id(c.column)} as value from ${id(c.table)}
              where ${notOnTarget(c, prefix)}${after} order by ${id(c.idColumn)} limit ${batchSize} for update`,
        );
        if (rows.length === 0) {
          const finished = current.lastId === null;
          progress[label] = { ...current, lastId: null, done: finished };
          await saveProgress(tx, targetKeyId, progress);
          return { finished, count: 0 };
        }
        const values = rows.map((r) => {
          let plaintext: string;
          try {
            plaintext = box.decrypt(r.value);
          } catch (err) {
            const why = err instanceof SecretBoxError ? err.message : String(err);
            throw new KeyRotationError(`${label} row ${r.id}: ${why}`);
          }
          return sql`(${r.id}, ${box.encrypt(plaintext)})`;
        });
        await tx.execute(
          sql`update ${id(c.table)} as t set ${id(c.column)} = u.val
              from (values ${sql.join(values, sql`, `)}) as u(id, val)
              where t.${id(c.idColumn)} = u.id::${castId}`,
        );
        progress[label] = { lastId: rows[rows.length - 1]!.id, rewritten: current.rewritten + rows.length, done: false };
        await saveProgress(tx, targetKeyId, progress);
        return { finished: false, count: rows.length, total: progress[label].rewritten };
      });
      if (step.finished) break;
      if (step.count === 0) {
        // End of a pass with a cursor: sweep again from the start for rows that appeared behind it.
        if (++pass >= MAX_PASSES) {
          throw new KeyRotationError(
            `${label}: values under an old key keep appearing after ${MAX_PASSES} passes; are servers still running with the old ENCRYPTION_KEY as current?`,
          );
        }
        continue;
      }
      batches++;
      rewritten[label] = step.total!;
      totals[label] = Math.max(totals[label]!, rewritten[label]);
      opts.onProgress?.({ column: label, rewritten: rewritten[label], total: totals[label]! });
    }
  }
  await db.execute(
    sql`update encryption_key_rotations set status = 'completed', completed_at = now(), updated_at = now() where target_key_id = ${targetKeyId}`,
  );
  return { status: 'completed', targetKeyId, resumed, batches, rewritten };
}

async function saveProgress(tx: DbOrTx, targetKeyId: string, progress: Record<string, ColumnRotationProgress>): Promise<void> {
  await tx.execute(
    sql`update encryption_key_rotations set progress = ${JSON.stringify(progress)}::jsonb, status = 'running', updated_at = now()
        where target_key_id = ${targetKeyId}`,
  );
}
