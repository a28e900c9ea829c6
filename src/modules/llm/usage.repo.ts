import { and, eq, gte, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../lib/db/database.js';
import { inferenceUsage } from './usage.tables.js';

export type UsageInsert = typeof inferenceUsage.$inferInsert;

export function createUsageRepo(db: DbOrTx) {
  return {
    async insert(row: UsageInsert, tx: DbOrTx = db): Promise<void> {
      await tx.insert(inferenceUsage).values(row);
    },

    /** Tokens and cost an agent used since `since` (budget checks). */
    async totalsSince(agentId: string, since: Date, tx: DbOrTx = db): Promise<{ tokens: number; costMicros: number }> {
      const [row] = await tx
        .select({
          tokens: sql<string>`coalesce(sum(${inferenceUsage.tokensIn} + ${inferenceUsage.tokensOut}), 0)`,
          cost: sql<string>`coalesce(sum(${inferenceUsage.costMicros}), 0)`,
        })
        .from(inferenceUsage)
        .where(and(eq(inferenceUsage.agentId, agentId), gte(inferenceUsage.createdAt, since)));
      return { tokens: Number(row?.tokens ?? 0), costMicros: Number(row?.cost ?? 0) };
    },
  };
}

export type UsageRepo = ReturnType<typeof createUsageRepo>;
