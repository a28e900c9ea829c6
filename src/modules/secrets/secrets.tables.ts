import { sql } from 'drizzle-orm';
import { index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const secrets = pgTable(
  'secrets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** principalId() of the creator: a users.id, or `hive-internal`. */
    ownerId: text('owner_id').notNull(),
    /**
     * Optional agent scope. Deliberately no foreign key: agents belong to the runtimes module,
     * which calls SecretsService.deleteForAgent when an agent is deleted.
     */
    agentId: uuid('agent_id'),
    name: text('name').notNull(),
    description: text('description'),
    /** SecretBox ciphertext (registered in src/lib/crypto/encrypted-columns.ts). */
    valueEnc: text('value_enc').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    valueUpdatedAt: timestamp('value_updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('secrets_owner_name_uq').on(t.ownerId, t.name).where(sql`agent_id is null`),
    uniqueIndex('secrets_owner_agent_name_uq').on(t.ownerId, t.agentId, t.name).where(sql`agent_id is not null`),
    index('secrets_agent_idx').on(t.agentId),
  ],
);
