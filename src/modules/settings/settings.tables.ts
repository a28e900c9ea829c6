import { sql } from 'drizzle-orm';
import { check, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const CODE_NODE_MODES = ['inherit', 'off', 'allow'] as const;
export type CodeNodeMode = (typeof CODE_NODE_MODES)[number];

/** Instance-wide settings set by admins (spec "In-app (admin)"): a single row, id = 1. */
export const instanceUiSettings = pgTable(
  'instance_ui_settings',
  {
    id: integer('id').primaryKey().default(1),
    instanceName: text('instance_name'),
    egressHostAllowlist: jsonb('egress_host_allowlist').$type<string[]>().notNull().default([]),
    workflowCodeNodeMode: text('workflow_code_node_mode', { enum: CODE_NODE_MODES }).notNull().default('inherit'),
    version: integer('version').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    updatedBy: text('updated_by'),
  },
  (t) => [
    check('instance_ui_settings_singleton', sql`${t.id} = 1`),
    check('instance_ui_settings_code_node_mode', sql`${t.workflowCodeNodeMode} in ('inherit', 'off', 'allow')`),
  ],
);
