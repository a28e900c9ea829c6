import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../lib/db/database.js';
import { passwordResetTokens, setupTokens, userMfa } from './auth.tables.js';

export type MfaRow = typeof userMfa.$inferSelect;

export function createAuthRepo() {
  return {
    async replaceSetupToken(db: DbOrTx, tokenHash: string): Promise<void> {
      await db
        .insert(setupTokens)
        .values({ id: 1, tokenHash })
        .onConflictDoUpdate({ target: setupTokens.id, set: { tokenHash, createdAt: new Date() } });
    },

    async setupTokenHash(db: DbOrTx): Promise<string | null> {
      const rows = await db.select({ h: setupTokens.tokenHash }).from(setupTokens).where(eq(setupTokens.id, 1)).limit(1);
      return rows[0]?.h ?? null;
    },

    async deleteSetupToken(db: DbOrTx): Promise<void> {
      await db.delete(setupTokens);
    },

    async insertResetToken(db: DbOrTx, row: typeof passwordResetTokens.$inferInsert): Promise<void> {
      // A new link replaces any earlier unused one.
      await db
        .update(passwordResetTokens)
        .set({ usedAt: new Date() })
        .where(and(eq(passwordResetTokens.userId, row.userId), isNull(passwordResetTokens.usedAt)));
      await db.insert(passwordResetTokens).values(row);
    },

    /** Marks a live token used and returns its user; null when unknown, used or expired. Atomic: single use even under concurrency. */
    async consumeResetToken(db: DbOrTx, tokenHash: string, now: Date): Promise<string | null> {
      const rows = await db
        .update(passwordResetTokens)
        .set({ usedAt: now })
        .where(
          and(
            eq(passwordResetTokens.tokenHash, tokenHash),
            isNull(passwordResetTokens.usedAt),
            gt(passwordResetTokens.expiresAt, now),
          ),
        )
        .returning({ userId: passwordResetTokens.userId });
      return rows[0]?.userId ?? null;
    },

    async mfa(db: DbOrTx, userId: string, forUpdate = false): Promise<MfaRow | null> {
      const q = db.select().from(userMfa).where(eq(userMfa.userId, userId)).limit(1);
      const rows = forUpdate ? await q.for('update') : await q;
      return rows[0] ?? null;
    },

    async upsertPendingMfa(db: DbOrTx, userId: string, secretEnc: string): Promise<void> {
      await db
        .insert(userMfa)
        .values({ userId, secretEnc, enabled: false, recoveryCodeHashes: [] })
        .onConflictDoUpdate({
          target: userMfa.userId,
          set: { secretEnc, enabled: false, recoveryCodeHashes: [], confirmedAt: null, updatedAt: new Date() },
        });
    },

    async enableMfa(db: DbOrTx, userId: string, recoveryCodeHashes: string[], at: Date): Promise<void> {
      await db
        .update(userMfa)
        .set({ enabled: true, recoveryCodeHashes, confirmedAt: at, updatedAt: at })
        .where(eq(userMfa.userId, userId));
    },

    async setRecoveryCodes(db: DbOrTx, userId: string, recoveryCodeHashes: string[]): Promise<void> {
      await db.update(userMfa).set({ recoveryCodeHashes, updatedAt: new Date() }).where(eq(userMfa.userId, userId));
    },

    async deleteMfa(db: DbOrTx, userId: string): Promise<boolean> {
      const rows = await db.delete(userMfa).where(eq(userMfa.userId, userId)).returning({ id: userMfa.userId });
      return rows.length > 0;
    },

    async mfaEnabled(db: DbOrTx, userId: string): Promise<boolean> {
      const rows = await db
        .select({ one: sql<number>`1` })
        .from(userMfa)
        .where(and(eq(userMfa.userId, userId), eq(userMfa.enabled, true)))
        .limit(1);
      return rows.length > 0;
    },
  };
}

export type AuthRepo = ReturnType<typeof createAuthRepo>;
