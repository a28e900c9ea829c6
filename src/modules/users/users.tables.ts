import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { ROLES } from '../../http/access.js';

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Always stored lower-cased (the service normalises), so the unique index is case-insensitive. */
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    role: text('role', { enum: ROLES }).notNull().default('viewer'),
    disabled: boolean('disabled').notNull().default(false),
    /** Bumped on password change, disable or role change: sessions carrying an older value are refused. */
    securityVersion: integer('security_version').notNull().default(1),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
    /** Stripe Customer (`cus_…`) set by billing after Checkout; resolves invoice.paid to a user (spec §2.1). */
    stripeCustomerId: text('stripe_customer_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('users_email_uq').on(t.email),
    index('users_role_idx').on(t.role),
    uniqueIndex('users_stripe_customer_id_uq').on(t.stripeCustomerId).where(sql`stripe_customer_id is not null`),
  ],
);

export type UserRow = typeof users.$inferSelect;
