import { and, count, desc, eq, isNull, lt, or } from 'drizzle-orm';
import type { DbOrTx } from '../../lib/db/database.js';
import { users } from '../users/users.tables.js';
import { apiTokens, type ApiTokenRow } from './tokens.tables.js';

export type TokenWithOwner = ApiTokenRow & { ownerEmail: string };

export function createTokensRepo() {
  return {
    async insert(db: DbOrTx, row: typeof apiTokens.$inferInsert): Promise<ApiTokenRow> {
      const rows = await db.insert(apiTokens).values(row).returning();
      return rows[0]!;
    },

    async byHash(db: DbOrTx, tokenHash: string): Promise<ApiTokenRow | null> {
      const rows = await db.select().from(apiTokens).where(eq(apiTokens.tokenHash, tokenHash)).limit(1);
      return rows[0] ?? null;
    },

    async byId(db: DbOrTx, id: string): Promise<ApiTokenRow | null> {
      const rows = await db.select().from(apiTokens).where(eq(apiTokens.id, id)).limit(1);
      return rows[0] ?? null;
    },

    async list(db: DbOrTx, userId: string | null, limit: number, offset: number): Promise<TokenWithOwner[]> {
      return db
        .select({ token: apiTokens, ownerEmail: users.email })
        .from(apiTokens)
        .innerJoin(users, eq(users.id, apiTokens.userId))
        .where(userId ? eq(apiTokens.userId, userId) : undefined)
        .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id))
        .limit(limit)
        .offset(offset)
        .then((rows) => rows.map((r) => ({ ...r.token, ownerEmail: r.ownerEmail })));
    },

    async countForUser(db: DbOrTx, userId: string): Promise<number> {
      const rows = await db.select({ n: count() }).from(apiTokens).where(eq(apiTokens.userId, userId));
      return Number(rows[0]?.n ?? 0);
    },

    async delete(db: DbOrTx, id: string): Promise<ApiTokenRow | null> {
      const rows = await db.delete(apiTokens).where(eq(apiTokens.id, id)).returning();
      return rows[0] ?? null;
    },

    /** Only writes when the stored time is older than `staleBefore` (cheap under load). */
    async touch(db: DbOrTx, id: string, at: Date, staleBefore: Date): Promise<void> {
      await db
        .update(apiTokens)
        .set({ lastUsedAt: at })
        .where(and(eq(apiTokens.id, id), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, staleBefore))));
    },
  };
}
