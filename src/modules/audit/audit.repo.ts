import { and, asc, desc, eq, gt, gte, like, lt, lte, sql, type SQL } from 'drizzle-orm';
import { queryRows, type DbOrTx } from '../../lib/db/database.js';
import { auditLogs, type AuditLogRow } from './audit.tables.js';

// One advisory lock serialises every append (and purges) across connections and replicas, so
// each row's prev_hash is the hash of the row committed just before it.
const AUDIT_CHAIN_LOCK = 7_301_944_301;

export interface AuditFilter {
  action?: string;
  /** `auth.` matches every action starting with it. */
  actionPrefix?: string;
  actorId?: string;
  targetType?: string;
  targetId?: string;
  outcome?: 'success' | 'failure';
  from?: Date;
  to?: Date;
  /** Rows with an id below this (pagination, newest first). */
  beforeId?: number;
}

export function createAuditRepo() {
  return {
    async lockChain(tx: DbOrTx): Promise<void> {
      await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
    },

    async lastHash(tx: DbOrTx): Promise<string | null> {
      const rows = await tx.select({ hash: auditLogs.hash }).from(auditLogs).orderBy(desc(auditLogs.id)).limit(1);
      return rows[0]?.hash ?? null;
    },

    async nextId(tx: DbOrTx): Promise<number> {
      const rows = await queryRows<{ id: string | number }>(tx, sql`select nextval(pg_get_serial_sequence('audit_logs', 'id')) as id`);
      return Number(rows[0]!.id);
    },

    async insert(tx: DbOrTx, row: typeof auditLogs.$inferInsert): Promise<void> {
      await tx.insert(auditLogs).values(row);
    },

    /** `n` ids in ascending order (call with the chain lock held). */
    async nextIds(tx: DbOrTx, n: number): Promise<number[]> {
      const rows = await queryRows<{ id: string | number }>(
        tx,
        sql`select nextval(pg_get_serial_sequence('audit_logs', 'id')) as id from generate_series(1, ${n})`,
      );
      return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    },

    async insertMany(tx: DbOrTx, rows: (typeof auditLogs.$inferInsert)[]): Promise<void> {
      await tx.insert(auditLogs).values(rows);
    },

    async list(db: DbOrTx, filter: AuditFilter, limit: number): Promise<AuditLogRow[]> {
      const where: SQL[] = [];
      if (filter.action) where.push(eq(auditLogs.action, filter.action));
      if (filter.actionPrefix) where.push(like(auditLogs.action, `${filter.actionPrefix.replace(/[\\%_]/g, '\\$&')}%`));
      if (filter.actorId) where.push(eq(auditLogs.actorId, filter.actorId));
      if (filter.targetType) where.push(eq(auditLogs.targetType, filter.targetType));
      if (filter.targetId) where.push(eq(auditLogs.targetId, filter.targetId));
      if (filter.outcome) where.push(eq(auditLogs.outcome, filter.outcome));
      if (filter.from) where.push(gte(auditLogs.createdAt, filter.from));
      if (filter.to) where.push(lte(auditLogs.createdAt, filter.to));
      if (filter.beforeId !== undefined) where.push(lt(auditLogs.id, filter.beforeId));
      return db
        .select()
        .from(auditLogs)
        .where(where.length ? and(...where) : undefined)
        .orderBy(desc(auditLogs.id))
        .limit(limit);
    },

    /** Rows in chain order, `batch` at a time after `afterId`. */
    async batchAfter(db: DbOrTx, afterId: number, batch: number): Promise<AuditLogRow[]> {
      return db.select().from(auditLogs).where(gt(auditLogs.id, afterId)).orderBy(asc(auditLogs.id)).limit(batch);
    },

    /** Highest id among rows created before `before` (ids, not timestamps, define the cut: replica clocks may skew). */
    async lastIdBefore(tx: DbOrTx, before: Date): Promise<number | null> {
      const rows = await queryRows<{ id: string | number | null }>(
        tx,
        sql`select max(id) as id from audit_logs where created_at < ${before.toISOString()}::timestamptz`,
      );
      const id = rows[0]?.id;
      return id === null || id === undefined ? null : Number(id);
    },

    async deleteUpTo(tx: DbOrTx, id: number): Promise<number> {
      const rows = await tx.delete(auditLogs).where(lte(auditLogs.id, id)).returning({ id: auditLogs.id });
      return rows.length;
    },

    async firstId(tx: DbOrTx): Promise<number | null> {
      const rows = await tx.select({ id: auditLogs.id }).from(auditLogs).orderBy(asc(auditLogs.id)).limit(1);
      return rows[0]?.id ?? null;
    },
  };
}

export type AuditRepo = ReturnType<typeof createAuditRepo>;
