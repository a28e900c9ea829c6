import { jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export interface ColumnRotationProgress {
  /** Last row id handled by the current pass (ids compared as the column's own type). */
  lastId: string | null;
  rewritten: number;
  done: boolean;
}

/** One row per target key: `pilox keys rotate` records progress here so it can resume. */
export const encryptionKeyRotations = pgTable('encryption_key_rotations', {
  targetKeyId: text('target_key_id').primaryKey(),
  status: text('status', { enum: ['running', 'completed'] }).notNull().default('running'),
  progress: jsonb('progress').$type<Record<string, ColumnRotationProgress>>().notNull().default({}),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  completedAt: timestamp('completed_at', { withTimezone: true }),
});
