import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** A chat between a user and an agent in the dashboard; its messages go through A2A. */
export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** No foreign key: agents belong to another module (deleteForAgent is called on agent deletion). */
    agentId: uuid('agent_id').notNull(),
    /** principalId() of the user who chats. */
    ownerId: text('owner_id').notNull(),
    title: text('title').notNull(),
    /** The A2A contextId the gateway gave the first message; later messages continue it. */
    contextId: text('context_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('conversations_owner_agent_idx').on(t.ownerId, t.agentId, t.updatedAt)],
);

export const conversationMessages = pgTable(
  'conversation_messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    /** `user` | `agent` */
    role: text('role').notNull(),
    content: text('content').notNull(),
    /** A2A task state of an agent message: completed, failed, canceled… */
    status: text('status'),
    taskId: text('task_id'),
    model: text('model'),
    tokensIn: integer('tokens_in'),
    tokensOut: integer('tokens_out'),
    durationMs: integer('duration_ms'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('conversation_messages_conv_idx').on(t.conversationId, t.createdAt)],
);
