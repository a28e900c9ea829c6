// Every drizzle table, re-exported for drizzle-kit and the typed query API.
// Each domain owns its tables in <domain>.tables.ts; only this file aggregates them.
export * from '../jobs/jobs.tables.js';
export * from '../../modules/users/users.tables.js';
export * from '../../modules/tokens/tokens.tables.js';
export * from '../../modules/audit/audit.tables.js';
export * from '../../modules/auth/auth.tables.js';
export * from '../crypto/key-rotation.tables.js';
export * from '../../modules/secrets/secrets.tables.js';
export * from '../../modules/settings/settings.tables.js';
export * from '../../modules/a2a/a2a.tables.js';
export * from '../../modules/llm/usage.tables.js';
export * from '../../modules/llm/providers.tables.js';
export * from '../../modules/chat/chat.tables.js';
export * from '../../modules/billing/billing.tables.js';
export * from '../../modules/agents/agents.tables.js';
