import { and, asc, eq, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../lib/db/database.js';
import { secrets } from './secrets.tables.js';

export type SecretRow = typeof secrets.$inferSelect;
export type SecretMetadataRow = Omit<SecretRow, 'valueEnc'>;

const metadataColumns = {
  id: secrets.id,
  ownerId: secrets.ownerId,
  agentId: secrets.agentId,
  name: secrets.name,
  description: secrets.description,
  createdAt: secrets.createdAt,
  updatedAt: secrets.updatedAt,
  valueUpdatedAt: secrets.valueUpdatedAt,
};

/** True for a unique-index violation, whichever driver (pg, PGlite) and wrapper raised it. */
export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

export function createSecretsRepo(db: DbOrTx) {
  return {
    /** Null when a secret of that name already exists in the same scope. */
    async insert(row: typeof secrets.$inferInsert, tx: DbOrTx = db): Promise<SecretMetadataRow | null> {
      const [created] = await tx.insert(secrets).values(row).onConflictDoNothing().returning(metadataColumns);
      return created ?? null;
    },

    async findById(ownerId: string, id: string, tx: DbOrTx = db): Promise<SecretMetadataRow | null> {
      const [row] = await tx
        .select(metadataColumns)
        .from(secrets)
        .where(and(eq(secrets.ownerId, ownerId), eq(secrets.id, id)));
      return row ?? null;
    },

    /** Ordered by (name, id); `after` is the last (name, id) of the previous page. */
    async list(
      ownerId: string,
      opts: { agentId?: string; limit: number; after?: { name: string; id: string } },
      tx: DbOrTx = db,
    ): Promise<SecretMetadataRow[]> {
      const conditions = [eq(secrets.ownerId, ownerId)];
      if (opts.agentId) conditions.push(eq(secrets.agentId, opts.agentId));
      if (opts.after) {
        conditions.push(or(gt(secrets.name, opts.after.name), and(eq(secrets.name, opts.after.name), gt(secrets.id, opts.after.id)))!);
      }
      return tx
        .select(metadataColumns)
        .from(secrets)
        .where(and(...conditions))
        .orderBy(asc(secrets.name), asc(secrets.id))
        .limit(opts.limit);
    },

    async update(
      ownerId: string,
      id: string,
      patch: Partial<Pick<SecretRow, 'name' | 'description' | 'valueEnc'>>,
      now: Date,
      tx: DbOrTx = db,
    ): Promise<SecretMetadataRow | null> {
      const [row] = await tx
        .update(secrets)
        .set({ ...patch, updatedAt: now, ...(patch.valueEnc !== undefined ? { valueUpdatedAt: now } : {}) })
        .where(and(eq(secrets.ownerId, ownerId), eq(secrets.id, id)))
        .returning(metadataColumns);
      return row ?? null;
    },

    async delete(ownerId: string, id: string, tx: DbOrTx = db): Promise<SecretMetadataRow | null> {
      const [row] = await tx
        .delete(secrets)
        .where(and(eq(secrets.ownerId, ownerId), eq(secrets.id, id)))
        .returning(metadataColumns);
      return row ?? null;
    },

    /** Owner-wide and agent-scoped secrets with these names (both, when both exist). */
    async findValuesForAgent(
      ownerId: string,
      agentId: string,
      names: string[],
      tx: DbOrTx = db,
    ): Promise<Pick<SecretRow, 'name' | 'agentId' | 'valueEnc'>[]> {
      if (names.length === 0) return [];
      return tx
        .select({ name: secrets.name, agentId: secrets.agentId, valueEnc: secrets.valueEnc })
        .from(secrets)
        .where(
          and(
            eq(secrets.ownerId, ownerId),
            inArray(secrets.name, names),
            or(isNull(secrets.agentId), eq(secrets.agentId, agentId)),
          ),
        );
    },

    async deleteByAgent(agentId: string, tx: DbOrTx = db): Promise<number> {
      const rows = await tx.delete(secrets).where(eq(secrets.agentId, agentId)).returning({ id: secrets.id });
      return rows.length;
    },

    async countByOwner(ownerId: string, tx: DbOrTx = db): Promise<number> {
      const [row] = await tx.select({ n: sql<number>`count(*)::int` }).from(secrets).where(eq(secrets.ownerId, ownerId));
      return row?.n ?? 0;
    },
  };
}

export type SecretsRepo = ReturnType<typeof createSecretsRepo>;
