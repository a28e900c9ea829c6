import { asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../lib/db/database.js';
import { llmProviders } from './providers.tables.js';

export type ProviderRow = typeof llmProviders.$inferSelect;

export function createProvidersRepo(db: DbOrTx) {
  return {
    async list(tx: DbOrTx = db): Promise<ProviderRow[]> {
      return tx.select().from(llmProviders).orderBy(asc(llmProviders.name));
    },
    async findById(id: string, tx: DbOrTx = db): Promise<ProviderRow | null> {
      const [row] = await tx.select().from(llmProviders).where(eq(llmProviders.id, id));
      return row ?? null;
    },
    async findDefault(tx: DbOrTx = db): Promise<ProviderRow | null> {
      const [row] = await tx.select().from(llmProviders).where(eq(llmProviders.isDefault, true));
      return row ?? null;
    },
    async count(tx: DbOrTx = db): Promise<number> {
      return (await tx.select({ id: llmProviders.id }).from(llmProviders)).length;
    },
    async insert(row: typeof llmProviders.$inferInsert, tx: DbOrTx = db): Promise<ProviderRow> {
      const [created] = await tx.insert(llmProviders).values(row).returning();
      return created!;
    },
    async update(id: string, patch: Partial<typeof llmProviders.$inferInsert>, tx: DbOrTx = db): Promise<ProviderRow | null> {
      const [row] = await tx.update(llmProviders).set(patch).where(eq(llmProviders.id, id)).returning();
      return row ?? null;
    },
    async clearDefault(tx: DbOrTx = db): Promise<void> {
      await tx.update(llmProviders).set({ isDefault: false }).where(eq(llmProviders.isDefault, true));
    },
    async delete(id: string, tx: DbOrTx = db): Promise<ProviderRow | null> {
      const [row] = await tx.delete(llmProviders).where(eq(llmProviders.id, id)).returning();
      return row ?? null;
    },
  };
}

export type ProvidersRepo = ReturnType<typeof createProvidersRepo>;
