import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, check, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '../users/users.tables.js';

/**
 * One row per user who ever had money move. The balance changes only in the same transaction
 * as a billing_ledger_entries row, with this row locked (SELECT … FOR UPDATE), so the balance
 * is always the sum of the ledger and the check below makes a negative balance impossible.
 */
export const userWalletBalances = pgTable(
  'user_wallet_balances',
  {
    userId: uuid('user_id')
      .primaryKey()
      .references(() => users.id, { onDelete: 'cascade' }),
    balanceMinor: bigint('balance_minor', { mode: 'number' }).notNull().default(0),
    currency: text('currency').notNull(),
    /** Usage debits allowed per calendar month (UTC); null = no limit. Enforced by the SpendGuard. */
    monthlySpendLimitMinor: bigint('monthly_spend_limit_minor', { mode: 'number' }),
    /** When true, the LLM gateway refuses this user's agents' calls while the balance is 0. */
    hardStop: boolean('hard_stop').notNull().default(false),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('user_wallet_balances_non_negative', sql`${t.balanceMinor} >= 0`)],
);

/**
 * Append-only money movements. `stripe_event_id` is the idempotency key of every movement:
 * the Stripe event id (`evt_…`) for webhooks, `hive_usage:{inference_usage.id}` for metering.
 * No foreign key on user_id: the ledger outlives a deleted account (accounting record).
 */
export const billingLedgerEntries = pgTable(
  'billing_ledger_entries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Insertion order: rows written by one transaction share created_at, seq keeps their order. */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    userId: uuid('user_id').notNull(),
    /** `stripe_credit` | `stripe_refund` | `usage_debit` | `admin_assignment` */
    kind: text('kind').notNull(),
    /** `credit` adds to the balance, `debit` subtracts; amount is always >= 0. */
    direction: text('direction', { enum: ['credit', 'debit'] }).notNull(),
    amountMinor: bigint('amount_minor', { mode: 'number' }).notNull(),
    currency: text('currency').notNull(),
    balanceAfterMinor: bigint('balance_after_minor', { mode: 'number' }).notNull(),
    stripeEventId: text('stripe_event_id').notNull(),
    stripeEventType: text('stripe_event_type'),
    /** The PaymentIntent a credit or refund belongs to; refunds find their user through it. */
    paymentIntentId: text('payment_intent_id'),
    description: text('description').notNull().default(''),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('billing_ledger_entries_stripe_event_id_uq').on(t.stripeEventId),
    index('billing_ledger_user_created_idx').on(t.userId, t.createdAt),
    index('billing_ledger_payment_intent_idx').on(t.paymentIntentId).where(sql`payment_intent_id is not null`),
    check('billing_ledger_entries_amount_non_negative', sql`${t.amountMinor} >= 0`),
  ],
);

/**
 * The PaymentIntents whose money is in a wallet: one row per PaymentIntent, written in the
 * same transaction as the credit that claimed it. The primary key is what makes a payment
 * count once whatever event reports it: `payment_intent.succeeded`, `invoice.paid` (which
 * claims every PaymentIntent that paid the invoice), in either Stripe API version's shape, in
 * any order or concurrently. A second credit for a claimed PaymentIntent is a recorded no-op.
 */
export const billingPaymentCredits = pgTable('billing_payment_credits', {
  paymentIntentId: text('payment_intent_id').primaryKey(),
  /** The ledger row's idempotency key (billing_ledger_entries.stripe_event_id) that credited it. */
  stripeEventId: text('stripe_event_id').notNull(),
  userId: uuid('user_id').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Verified Stripe events that moved money but could not be applied (no matching user, other
 * currency). Kept for an admin, who can assign them to a user (which applies them once).
 */
export const billingUnresolvedEvents = pgTable(
  'billing_unresolved_events',
  {
    stripeEventId: text('stripe_event_id').primaryKey(),
    eventType: text('event_type').notNull(),
    /** `user_not_found` | `currency_mismatch` */
    reason: text('reason').notNull(),
    direction: text('direction', { enum: ['credit', 'debit'] }).notNull(),
    amountMinor: bigint('amount_minor', { mode: 'number' }).notNull(),
    currency: text('currency').notNull(),
    customerId: text('customer_id'),
    paymentIntentId: text('payment_intent_id'),
    /** What the event carried to identify a user (metadata ids, object id); no card data. */
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    /** `open` | `assigned` | `dismissed` */
    status: text('status').notNull().default('open'),
    assignedUserId: uuid('assigned_user_id'),
    resolvedBy: text('resolved_by'),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('billing_unresolved_status_created_idx').on(t.status, t.createdAt)],
);

export type WalletRow = typeof userWalletBalances.$inferSelect;
export type LedgerRow = typeof billingLedgerEntries.$inferSelect;
export type PaymentCreditRow = typeof billingPaymentCredits.$inferSelect;
export type UnresolvedEventRow = typeof billingUnresolvedEvents.$inferSelect;
