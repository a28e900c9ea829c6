// Drizzle queries of billing only; every method takes the db or a transaction first.
import { and, asc, count, desc, eq, gte, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../lib/db/database.js';
import { queryRows } from '../../lib/db/database.js';
import {
  billingLedgerEntries,
  billingPaymentCredits,
  billingUnresolvedEvents,
  userWalletBalances,
  type LedgerRow,
  type UnresolvedEventRow,
  type WalletRow,
} from './billing.tables.js';

export type NewLedgerEntry = typeof billingLedgerEntries.$inferInsert;
export type NewUnresolvedEvent = typeof billingUnresolvedEvents.$inferInsert;

export function createBillingRepo() {
  return {
    async wallet(db: DbOrTx, userId: string): Promise<WalletRow | null> {
      const rows = await db.select().from(userWalletBalances).where(eq(userWalletBalances.userId, userId)).limit(1);
      return rows[0] ?? null;
    },

    /**
     * Creates the wallet when missing and returns it locked (FOR UPDATE) until the transaction
     * ends: every balance change of a user is serialised on this row.
     */
    async lockWallet(tx: DbOrTx, userId: string, currency: string): Promise<WalletRow> {
      // One round trip: ON CONFLICT DO UPDATE takes the row lock like SELECT … FOR UPDATE.
      const rows = await tx
        .insert(userWalletBalances)
        .values({ userId, currency })
        .onConflictDoUpdate({ target: userWalletBalances.userId, set: { userId: sql`excluded.user_id` } })
        .returning();
      return rows[0]!;
    },

    /**
     * Several wallets at once, created when missing and locked until the transaction ends.
     * Rows are locked in the order given: callers pass ids sorted, so two transactions
     * locking overlapping sets cannot deadlock.
     */
    async lockWallets(tx: DbOrTx, userIds: string[], currency: string): Promise<WalletRow[]> {
      return tx
        .insert(userWalletBalances)
        .values(userIds.map((userId) => ({ userId, currency })))
        .onConflictDoUpdate({ target: userWalletBalances.userId, set: { userId: sql`excluded.user_id` } })
        .returning();
    },

    async existingEventIds(tx: DbOrTx, ids: string[]): Promise<Set<string>> {
      const rows = await tx.select({ id: billingLedgerEntries.stripeEventId }).from(billingLedgerEntries).where(inArray(billingLedgerEntries.stripeEventId, ids));
      return new Set(rows.map((r) => r.id));
    },

    /** Inserted rows only (a stripe_event_id already present is skipped). */
    async insertLedgerMany(tx: DbOrTx, rows: NewLedgerEntry[]): Promise<LedgerRow[]> {
      return tx.insert(billingLedgerEntries).values(rows).onConflictDoNothing({ target: billingLedgerEntries.stripeEventId }).returning();
    },

    async setBalances(tx: DbOrTx, balances: { userId: string; balanceMinor: number }[], at: Date): Promise<void> {
      if (balances.length === 1) {
        await tx.update(userWalletBalances).set({ balanceMinor: balances[0]!.balanceMinor, updatedAt: at }).where(eq(userWalletBalances.userId, balances[0]!.userId));
        return;
      }
      const values = sql.join(
        balances.map((b) => sql`(${b.userId}::uuid, ${b.balanceMinor}::bigint)`),
        sql`, `,
      );
      await tx.execute(sql`update user_wallet_balances w set balance_minor = v.balance, updated_at = ${at.toISOString()}::timestamptz
        from (values ${values}) as v(user_id, balance) where w.user_id = v.user_id`);
    },

    async setBalance(tx: DbOrTx, userId: string, balanceMinor: number, at: Date): Promise<void> {
      await tx.update(userWalletBalances).set({ balanceMinor, updatedAt: at }).where(eq(userWalletBalances.userId, userId));
    },

    async setLimits(tx: DbOrTx, userId: string, patch: { monthlySpendLimitMinor?: number | null; hardStop?: boolean }, at: Date): Promise<void> {
      await tx
        .update(userWalletBalances)
        .set({ ...patch, updatedAt: at })
        .where(eq(userWalletBalances.userId, userId));
    },

    /** Null when a row with this stripe_event_id exists already (the movement was applied before). */
    async insertLedger(tx: DbOrTx, row: NewLedgerEntry): Promise<LedgerRow | null> {
      const rows = await tx.insert(billingLedgerEntries).values(row).onConflictDoNothing({ target: billingLedgerEntries.stripeEventId }).returning();
      return rows[0] ?? null;
    },

    async ledgerByEventId(db: DbOrTx, stripeEventId: string): Promise<LedgerRow | null> {
      const rows = await db.select().from(billingLedgerEntries).where(eq(billingLedgerEntries.stripeEventId, stripeEventId)).limit(1);
      return rows[0] ?? null;
    },

    /** PaymentIntent id → the ledger key (stripe_event_id) of the credit that claimed it. */
    async paymentCredits(tx: DbOrTx, paymentIntentIds: string[]): Promise<Map<string, string>> {
      if (paymentIntentIds.length === 0) return new Map();
      const rows = await tx
        .select({ pi: billingPaymentCredits.paymentIntentId, ev: billingPaymentCredits.stripeEventId })
        .from(billingPaymentCredits)
        .where(inArray(billingPaymentCredits.paymentIntentId, paymentIntentIds));
      return new Map(rows.map((r) => [r.pi, r.ev]));
    },

    /**
     * Claims PaymentIntents; returns how many rows were inserted (fewer: another transaction
     * claimed one first). Sorted, so two transactions claiming overlapping sets wait on each
     * other in the same order instead of deadlocking.
     */
    async claimPaymentCredits(tx: DbOrTx, rows: { paymentIntentId: string; stripeEventId: string; userId: string; createdAt: Date }[]): Promise<number> {
      if (rows.length === 0) return 0;
      const sorted = [...rows].sort((a, b) => (a.paymentIntentId < b.paymentIntentId ? -1 : a.paymentIntentId > b.paymentIntentId ? 1 : 0));
      const inserted = await tx.insert(billingPaymentCredits).values(sorted).onConflictDoNothing().returning({ pi: billingPaymentCredits.paymentIntentId });
      return inserted.length;
    },

    /** The user a payment was credited to (refund.created resolution). */
    async userOfPaymentIntent(db: DbOrTx, paymentIntentId: string): Promise<string | null> {
      // An invoice credit claims all its PaymentIntents, while its ledger row names one.
      const claimed = await db.select({ userId: billingPaymentCredits.userId }).from(billingPaymentCredits).where(eq(billingPaymentCredits.paymentIntentId, paymentIntentId)).limit(1);
      if (claimed[0]) return claimed[0].userId;
      const rows = await db
        .select({ userId: billingLedgerEntries.userId })
        .from(billingLedgerEntries)
        .where(and(eq(billingLedgerEntries.paymentIntentId, paymentIntentId), eq(billingLedgerEntries.direction, 'credit')))
        .orderBy(asc(billingLedgerEntries.createdAt), asc(billingLedgerEntries.seq))
        .limit(1);
      return rows[0]?.userId ?? null;
    },

    /** Newest first; served by billing_ledger_user_created_idx. */
    async ledgerPage(db: DbOrTx, userId: string, limit: number, offset: number): Promise<{ rows: LedgerRow[]; total: number }> {
      const [rows, totals] = await Promise.all([
        db
          .select()
          .from(billingLedgerEntries)
          .where(eq(billingLedgerEntries.userId, userId))
          .orderBy(desc(billingLedgerEntries.createdAt), desc(billingLedgerEntries.seq))
          .limit(limit)
          .offset(offset),
        db.select({ n: count() }).from(billingLedgerEntries).where(eq(billingLedgerEntries.userId, userId)),
      ]);
      return { rows, total: Number(totals[0]?.n ?? 0) };
    },

    /** Usage debits of a user since `since` (the spending limit's period). */
    async usageDebitedSince(db: DbOrTx, userId: string, since: Date): Promise<number> {
      const rows = await db
        .select({ n: sql<string>`coalesce(sum(${billingLedgerEntries.amountMinor}), 0)` })
        .from(billingLedgerEntries)
        .where(
          and(eq(billingLedgerEntries.userId, userId), eq(billingLedgerEntries.kind, 'usage_debit'), gte(billingLedgerEntries.createdAt, since)),
        );
      return Number(rows[0]?.n ?? 0);
    },

    async walletsPage(db: DbOrTx, limit: number, offset: number): Promise<{ rows: WalletRow[]; total: number }> {
      const [rows, totals] = await Promise.all([
        db.select().from(userWalletBalances).orderBy(desc(userWalletBalances.balanceMinor), asc(userWalletBalances.userId)).limit(limit).offset(offset),
        db.select({ n: count() }).from(userWalletBalances),
      ]);
      return { rows, total: Number(totals[0]?.n ?? 0) };
    },

    /** Null when this event was recorded before. */
    async insertUnresolved(tx: DbOrTx, row: NewUnresolvedEvent): Promise<UnresolvedEventRow | null> {
      const rows = await tx.insert(billingUnresolvedEvents).values(row).onConflictDoNothing().returning();
      return rows[0] ?? null;
    },

    async lockUnresolved(tx: DbOrTx, stripeEventId: string): Promise<UnresolvedEventRow | null> {
      const rows = await tx.select().from(billingUnresolvedEvents).where(eq(billingUnresolvedEvents.stripeEventId, stripeEventId)).for('update');
      return rows[0] ?? null;
    },

    async closeUnresolved(
      tx: DbOrTx,
      stripeEventId: string,
      patch: { status: 'assigned' | 'dismissed'; assignedUserId: string | null; resolvedBy: string; resolvedAt: Date },
    ): Promise<UnresolvedEventRow> {
      const rows = await tx.update(billingUnresolvedEvents).set(patch).where(eq(billingUnresolvedEvents.stripeEventId, stripeEventId)).returning();
      return rows[0]!;
    },

    async unresolvedPage(db: DbOrTx, status: string | undefined, limit: number, offset: number): Promise<{ rows: UnresolvedEventRow[]; total: number }> {
      const where = status ? eq(billingUnresolvedEvents.status, status) : undefined;
      const [rows, totals] = await Promise.all([
        db.select().from(billingUnresolvedEvents).where(where).orderBy(desc(billingUnresolvedEvents.createdAt)).limit(limit).offset(offset),
        db.select({ n: count() }).from(billingUnresolvedEvents).where(where),
      ]);
      return { rows, total: Number(totals[0]?.n ?? 0) };
    },

    // inference_usage is shared data written by the llm module; billing only reads it and sets
    // billing_status (the column exists for this).

    /** Unprocessed usage rows, locked so concurrent metering passes take different rows. */
    async claimUnbilledUsage(tx: DbOrTx, limit: number): Promise<{ id: string; owner_id: string; tokens: number }[]> {
      const rows = await queryRows<{ id: string; owner_id: string; tokens: string | number }>(
        tx,
        sql`select id, owner_id, (tokens_in + tokens_out) as tokens from inference_usage
            where billing_status is null order by created_at limit ${limit} for update skip locked`,
      );
      return rows.map((r) => ({ id: r.id, owner_id: r.owner_id, tokens: Number(r.tokens) }));
    },

    async markUsage(tx: DbOrTx, id: string, status: 'debited' | 'skipped_insufficient' | 'skipped_no_owner' | 'free'): Promise<void> {
      await tx.execute(sql`update inference_usage set billing_status = ${status} where id = ${id}`);
    },
  };
}

export type BillingRepo = ReturnType<typeof createBillingRepo>;
