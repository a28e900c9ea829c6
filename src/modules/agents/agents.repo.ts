import { and, asc, eq, gt, inArray, ne, or, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../lib/db/database.js';
import { agents, type AgentRow } from './agents.tables.js';

export type AgentInsert = typeof agents.$inferInsert;
export type AgentPatch = Partial<Omit<AgentInsert, 'id' | 'createdAt'>>;

/** True for a unique-index violation, whichever driver (pg, PGlite) raised it. */
export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

export function createAgentsRepo(db: DbOrTx) {
  return {
    async insert(row: AgentInsert, tx: DbOrTx = db): Promise<AgentRow | null> {
      const [created] = await tx.insert(agents).values(row).onConflictDoNothing().returning();
      return created ?? null;
    },
    async findById(id: string, tx: DbOrTx = db): Promise<AgentRow | null> {
      const [row] = await tx.select().from(agents).where(eq(agents.id, id));
      return row ?? null;
    },
    async findBySlug(slug: string, tx: DbOrTx = db): Promise<AgentRow | null> {
      const [row] = await tx.select().from(agents).where(eq(agents.slug, slug));
      return row ?? null;
    },
    /** Ordered by id; `ownerOrVisible`: an owner id whose private agents are included, null = all. */
    async list(opts: { ownerId: string | null; visibilities: ('instance' | 'public')[]; all: boolean; limit: number; after?: string }, tx: DbOrTx = db): Promise<AgentRow[]> {
      const conds: SQL[] = [];
      if (!opts.all) {
        const seen: SQL[] = [];
        if (opts.ownerId) seen.push(eq(agents.ownerId, opts.ownerId));
        if (opts.visibilities.length > 0) seen.push(inArray(agents.visibility, opts.visibilities));
        if (seen.length === 0) return [];
        conds.push(or(...seen)!);
      }
      if (opts.after) conds.push(gt(agents.id, opts.after));
      return tx
        .select()
        .from(agents)
        .where(conds.length ? and(...conds) : undefined)
        .orderBy(asc(agents.id))
        .limit(opts.limit);
    },
    /** Agents the supervisor must look at: wanted running/paused, or still holding an instance. */
    async listSupervised(tx: DbOrTx = db): Promise<AgentRow[]> {
      return tx
        .select()
        .from(agents)
        .where(and(ne(agents.kind, 'remote'), or(ne(agents.desiredState, 'stopped'), inArray(agents.status, ['starting', 'ready', 'paused']))));
    },
    async update(id: string, patch: AgentPatch, tx: DbOrTx = db): Promise<AgentRow | null> {
      const [row] = await tx.update(agents).set(patch).where(eq(agents.id, id)).returning();
      return row ?? null;
    },
    async delete(id: string, tx: DbOrTx = db): Promise<AgentRow | null> {
      const [row] = await tx.delete(agents).where(eq(agents.id, id)).returning();
      return row ?? null;
    },
  };
}

export type AgentsRepo = ReturnType<typeof createAgentsRepo>;
