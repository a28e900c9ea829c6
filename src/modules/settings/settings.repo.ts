import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../lib/db/database.js';
import { instanceUiSettings } from './settings.tables.js';

export type InstanceSettingsRow = typeof instanceUiSettings.$inferSelect;
export type InstanceSettingsPatch = Partial<Pick<InstanceSettingsRow, 'instanceName' | 'egressHostAllowlist' | 'workflowCodeNodeMode'>>;

export function createSettingsRepo(db: DbOrTx) {
  return {
    /** Null until an admin saves settings for the first time. */
    async get(tx: DbOrTx = db, opts: { forUpdate?: boolean } = {}): Promise<InstanceSettingsRow | null> {
      const q = tx.select().from(instanceUiSettings).where(eq(instanceUiSettings.id, 1));
      const [row] = opts.forUpdate ? await q.for('update') : await q;
      return row ?? null;
    },

    async save(patch: InstanceSettingsPatch, meta: { updatedBy: string; now: Date }, tx: DbOrTx = db): Promise<InstanceSettingsRow> {
      const [row] = await tx
        .insert(instanceUiSettings)
        .values({ id: 1, ...patch, version: 1, updatedAt: meta.now, updatedBy: meta.updatedBy })
        .onConflictDoUpdate({
          target: instanceUiSettings.id,
          set: { ...patch, version: sql`${instanceUiSettings.version} + 1`, updatedAt: meta.now, updatedBy: meta.updatedBy },
        })
        .returning();
      return row!;
    },
  };
}

export type SettingsRepo = ReturnType<typeof createSettingsRepo>;
