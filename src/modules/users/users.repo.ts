import { and, asc, count, eq, ilike, inArray, ne, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../lib/db/database.js';
import type { Role } from '../../http/access.js';
import { users, type UserRow } from './users.tables.js';

// Serialises changes that could leave the instance without an enabled admin (demote, disable,
// delete, first-admin setup), across connections and replicas.
const ADMIN_SET_LOCK = 7_301_944_302;

export function createUsersRepo() {
  return {
    async lockAdminSet(tx: DbOrTx): Promise<void> {
      await tx.execute(sql`select pg_advisory_xact_lock(${ADMIN_SET_LOCK})`);
    },

    async byId(db: DbOrTx, id: string): Promise<UserRow | null> {
      const rows = await db.select().from(users).where(eq(users.id, id)).limit(1);
      return rows[0] ?? null;
    },

    async byEmail(db: DbOrTx, email: string): Promise<UserRow | null> {
      const rows = await db.select().from(users).where(eq(users.email, email)).limit(1);
      return rows[0] ?? null;
    },

    async insert(db: DbOrTx, row: typeof users.$inferInsert): Promise<UserRow | null> {
      const rows = await db.insert(users).values(row).onConflictDoNothing({ target: users.email }).returning();
      return rows[0] ?? null;
    },

    async update(db: DbOrTx, id: string, patch: Partial<typeof users.$inferInsert>, bumpSecurityVersion: boolean): Promise<UserRow | null> {
      const rows = await db
        .update(users)
        .set({
          ...patch,
          ...(bumpSecurityVersion ? { securityVersion: sql`${users.securityVersion} + 1` } : {}),
          updatedAt: new Date(),
        })
        .where(eq(users.id, id))
        .returning();
      return rows[0] ?? null;
    },

    async existingIds(db: DbOrTx, ids: string[]): Promise<string[]> {
      if (ids.length === 0) return [];
      const rows = await db.select({ id: users.id }).from(users).where(inArray(users.id, ids));
      return rows.map((r) => r.id);
    },

    async idsByStripeCustomerIds(db: DbOrTx, customerIds: string[]): Promise<{ id: string; customerId: string }[]> {
      if (customerIds.length === 0) return [];
      const rows = await db.select({ id: users.id, customerId: users.stripeCustomerId }).from(users).where(inArray(users.stripeCustomerId, customerIds));
      return rows.map((r) => ({ id: r.id, customerId: r.customerId! }));
    },

    async idByStripeCustomerId(db: DbOrTx, customerId: string): Promise<string | null> {
      const rows = await db.select({ id: users.id }).from(users).where(eq(users.stripeCustomerId, customerId)).limit(1);
      return rows[0]?.id ?? null;
    },

    /** Sets the Stripe customer unless another user already has it; false when nothing changed. */
    async setStripeCustomerId(db: DbOrTx, id: string, customerId: string): Promise<boolean> {
      const rows = await db
        .update(users)
        .set({ stripeCustomerId: customerId, updatedAt: new Date() })
        .where(
          and(
            eq(users.id, id),
            sql`${users.stripeCustomerId} is distinct from ${customerId}`,
            sql`not exists (select 1 from ${users} u2 where u2.stripe_customer_id = ${customerId} and u2.id <> ${id})`,
          ),
        )
        .returning({ id: users.id });
      return rows.length > 0;
    },

    async touchLogin(db: DbOrTx, id: string, at: Date): Promise<void> {
      await db.update(users).set({ lastLoginAt: at }).where(eq(users.id, id));
    },

    async delete(db: DbOrTx, id: string): Promise<boolean> {
      const rows = await db.delete(users).where(eq(users.id, id)).returning({ id: users.id });
      return rows.length > 0;
    },

    /** Enabled admins, optionally not counting one user. */
    async countActiveAdmins(db: DbOrTx, exceptId?: string): Promise<number> {
      const where = [eq(users.role, 'admin'), eq(users.disabled, false)];
      if (exceptId) where.push(ne(users.id, exceptId));
      const rows = await db.select({ n: count() }).from(users).where(and(...where));
      return Number(rows[0]?.n ?? 0);
    },

    async anyAdmin(db: DbOrTx): Promise<boolean> {
      const rows = await db.select({ id: users.id }).from(users).where(eq(users.role, 'admin')).limit(1);
      return rows.length > 0;
    },

    async oldestAdmin(db: DbOrTx): Promise<UserRow | null> {
      const rows = await db
        .select()
        .from(users)
        .where(and(eq(users.role, 'admin'), eq(users.disabled, false)))
        .orderBy(asc(users.createdAt))
        .limit(1);
      return rows[0] ?? null;
    },

    async list(db: DbOrTx, q: { search?: string; role?: Role; limit: number; offset: number }): Promise<{ rows: UserRow[]; total: number }> {
      const where: SQL[] = [];
      if (q.role) where.push(eq(users.role, q.role));
      if (q.search) {
        const pattern = `%${q.search.replace(/[\\%_]/g, '\\$&')}%`;
        where.push(or(ilike(users.email, pattern), ilike(users.name, pattern))!);
      }
      const cond = where.length ? and(...where) : undefined;
      const [rows, totals] = await Promise.all([
        db.select().from(users).where(cond).orderBy(asc(users.createdAt), asc(users.id)).limit(q.limit).offset(q.offset),
        db.select({ n: count() }).from(users).where(cond),
      ]);
      return { rows, total: Number(totals[0]?.n ?? 0) };
    },
  };
}

export type UsersRepo = ReturnType<typeof createUsersRepo>;
