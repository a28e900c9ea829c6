// Tables of the A2A gateway: the Postgres task store, push-notification configs and their
// delivery log. Task bodies are stored as A2A 1.0 JSON (the SDK's proto-JSON form).
import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const a2aTasks = pgTable(
  'a2a_tasks',
  {
    id: text('id').primaryKey(),
    agentId: text('agent_id').notNull(),
    ownerId: text('owner_id').notNull(),
    contextId: text('context_id').notNull(),
    state: integer('state').notNull(),
    /** The task's status timestamp: ListTasks sorts by it (A2A §3.1.4, newest first). */
    statusAt: timestamp('status_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull(),
    task: jsonb('task').$type<unknown>().notNull(),
    /** The id the agent itself gave this task (Pilox rewrites ids so agents cannot collide). */
    upstreamTaskId: text('upstream_task_id'),
    upstreamContextId: text('upstream_context_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('a2a_tasks_list_idx').on(t.agentId, t.ownerId, t.statusAt.desc(), t.id.desc()),
    index('a2a_tasks_context_idx').on(t.agentId, t.contextId),
    index('a2a_tasks_updated_idx').on(t.updatedAt),
  ],
);

export const a2aPushConfigs = pgTable(
  'a2a_push_configs',
  {
    taskId: text('task_id').notNull(),
    configId: text('config_id').notNull(),
    agentId: text('agent_id').notNull(),
    ownerId: text('owner_id').notNull(),
    /** TaskPushNotificationConfig as A2A 1.0 JSON (url, token, authentication). */
    config: jsonb('config').$type<unknown>().notNull(),
    /** Wire version the webhook was registered over: deliveries keep that body shape. */
    wireVersion: text('wire_version').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.configId] })],
);

export const a2aPushDeliveries = pgTable(
  'a2a_push_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    taskId: text('task_id').notNull(),
    configId: text('config_id').notNull(),
    /** Origin and path of the webhook only: query strings may carry secrets. */
    target: text('target').notNull(),
    eventKind: text('event_kind').notNull(),
    attempt: integer('attempt').notNull(),
    outcome: text('outcome', { enum: ['delivered', 'retrying', 'failed'] }).notNull(),
    httpStatus: integer('http_status'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('a2a_push_deliveries_task_idx').on(t.taskId, t.createdAt), index('a2a_push_deliveries_created_idx').on(t.createdAt)],
);
