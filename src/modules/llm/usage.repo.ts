import { and, eq, gte, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../lib/db/database.js';
import { inferenceUsage } from './usage.tables.js';

export type UsageInsert = typeof inferenceUsage.$inferInsert;

export function createUsageRepo(db: DbOrTx) {
  return {
    async insert(rows: UsageInsert[], tx: DbOrTx = db): Promise<void> {
      if (rows.length > 0) await tx.insert(inferenceUsage).values(rows);
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

export type UsageGroupBy = 'agent' | 'model' | 'day';

export interface UsageGroup {
  key: string;
  requests: number;
  tokensIn: number;
  tokensOut: number;
  costMicros: number;
}

/** Sums of inference_usage over [from, to), grouped; `ownerId`/`agentId` narrow it. */
export async function summarizeUsage(
  db: DbOrTx,
  opts: { from: Date; to: Date; groupBy: UsageGroupBy; ownerId?: string; agentId?: string },
): Promise<UsageGroup[]> {
  const key =
    opts.groupBy === 'agent'
      ? sql<string>`${inferenceUsage.agentId}::text`
      : opts.groupBy === 'model'
        ? sql<string>`${inferenceUsage.model}`
        : sql<string>`to_char(${inferenceUsage.createdAt} at time zone 'UTC', 'YYYY-MM-DD')`;
  const conds = [gte(inferenceUsage.createdAt, opts.from), lt(inferenceUsage.createdAt, opts.to)];
  if (opts.ownerId) conds.push(eq(inferenceUsage.ownerId, opts.ownerId));
  if (opts.agentId) conds.push(eq(inferenceUsage.agentId, opts.agentId));
  const rows = await db
    .select({
      key,
      requests: sql<string>`count(*)`,
      tokensIn: sql<string>`coalesce(sum(${inferenceUsage.tokensIn}), 0)`,
      tokensOut: sql<string>`coalesce(sum(${inferenceUsage.tokensOut}), 0)`,
      costMicros: sql<string>`coalesce(sum(${inferenceUsage.costMicros}), 0)`,
    })
    .from(inferenceUsage)
    .where(and(...conds))
    .groupBy(key)
    .orderBy(key)
    .limit(10_000);
  return rows.map((r) => ({ key: r.key, requests: Number(r.requests), tokensIn: Number(r.tokensIn), tokensOut: Number(r.tokensOut), costMicros: Number(r.costMicros) }));
}
