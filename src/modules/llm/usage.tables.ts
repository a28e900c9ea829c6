import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * One row per LLM call an agent made through the gateway, streamed or not, successful or not.
 * Written by the llm module; read by usage reports and by billing's metering job.
 */
export const inferenceUsage = pgTable(
  'inference_usage',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** No foreign key: usage (and what was billed for it) outlives a deleted agent. */
    agentId: uuid('agent_id').notNull(),
    /** The agent's owner at the time of the call (a users.id). */
    ownerId: uuid('owner_id').notNull(),
    providerId: uuid('provider_id'),
    /** Provider type (`openai` | `anthropic`), kept for reports after a provider is deleted. */
    providerType: text('provider_type').notNull(),
    model: text('model').notNull(),
    tokensIn: integer('tokens_in').notNull().default(0),
    tokensOut: integer('tokens_out').notNull().default(0),
    durationMs: integer('duration_ms').notNull().default(0),
    /** Price of the call in micro-units of the provider's price currency. */
    costMicros: bigint('cost_micros', { mode: 'number' }).notNull().default(0),
    /** `ok` | `error` | `cancelled` (client went away) | `rejected` (limit or budget). */
    status: text('status').notNull(),
    errorCode: text('error_code'),
    streamed: boolean('streamed').notNull().default(false),
    /** Billing's metering state: null = not yet processed, `debited`, `skipped_insufficient`, `free`. */
    billingStatus: text('billing_status'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('inference_usage_owner_created_idx').on(t.ownerId, t.createdAt),
    index('inference_usage_agent_created_idx').on(t.agentId, t.createdAt),
    index('inference_usage_unbilled_idx').on(t.createdAt).where(sql`billing_status is null`),
  ],
);
