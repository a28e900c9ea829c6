import { sql } from 'drizzle-orm';
import { boolean, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/** A model a provider offers, with its price in currency units per 1M tokens (for cost accounting). */
export interface ProviderModelPrice {
  id: string;
  inputPerMillion: number;
  outputPerMillion: number;
}

/** LLM providers the gateway forwards agents' calls to; admin-managed, instance-wide. */
export const llmProviders = pgTable(
  'llm_providers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    /** `openai` (any OpenAI-compatible /v1/chat/completions server) | `anthropic` (Messages API). */
    type: text('type').notNull(),
    /** e.g. https://api.openai.com/v1, http://ollama.internal:11434/v1, https://api.anthropic.com */
    baseUrl: text('base_url').notNull(),
    /** SecretBox ciphertext of the API key (registered in src/lib/crypto/encrypted-columns.ts); null = no key. */
    apiKeyEnc: text('api_key_enc'),
    isDefault: boolean('is_default').notNull().default(false),
    models: jsonb('models').$type<ProviderModelPrice[]>().notNull().default([]),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('llm_providers_name_uq').on(t.name),
    // At most one default provider.
    uniqueIndex('llm_providers_default_uq').on(t.isDefault).where(sql`is_default`),
  ],
);
