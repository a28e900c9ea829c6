import { and, asc, desc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../lib/db/database.js';
import { conversationMessages, conversations } from './chat.tables.js';

export type ConversationRow = typeof conversations.$inferSelect;
export type MessageRow = typeof conversationMessages.$inferSelect;

export function createChatRepo(db: DbOrTx) {
  return {
    async insertConversation(row: typeof conversations.$inferInsert, tx: DbOrTx = db): Promise<ConversationRow> {
      const [r] = await tx.insert(conversations).values(row).returning();
      return r!;
    },
    async findConversation(ownerId: string, agentId: string, id: string, tx: DbOrTx = db): Promise<ConversationRow | null> {
      const [r] = await tx
        .select()
        .from(conversations)
        .where(and(eq(conversations.id, id), eq(conversations.ownerId, ownerId), eq(conversations.agentId, agentId)));
      return r ?? null;
    },
    async listConversations(ownerId: string, agentId: string, limit: number, tx: DbOrTx = db): Promise<ConversationRow[]> {
      return tx
        .select()
        .from(conversations)
        .where(and(eq(conversations.ownerId, ownerId), eq(conversations.agentId, agentId)))
        .orderBy(desc(conversations.updatedAt))
        .limit(limit);
    },
    async touchConversation(id: string, patch: { contextId?: string; updatedAt: Date }, tx: DbOrTx = db): Promise<void> {
      await tx.update(conversations).set(patch).where(eq(conversations.id, id));
    },
    async deleteConversation(ownerId: string, agentId: string, id: string, tx: DbOrTx = db): Promise<boolean> {
      const r = await tx
        .delete(conversations)
        .where(and(eq(conversations.id, id), eq(conversations.ownerId, ownerId), eq(conversations.agentId, agentId)))
        .returning({ id: conversations.id });
      return r.length > 0;
    },
    async deleteForAgent(agentId: string, tx: DbOrTx = db): Promise<number> {
      return (await tx.delete(conversations).where(eq(conversations.agentId, agentId)).returning({ id: conversations.id })).length;
    },
    async insertMessage(row: typeof conversationMessages.$inferInsert, tx: DbOrTx = db): Promise<MessageRow> {
      const [r] = await tx.insert(conversationMessages).values(row).returning();
      return r!;
    },
    async listMessages(conversationId: string, limit: number, tx: DbOrTx = db): Promise<MessageRow[]> {
      return tx.select().from(conversationMessages).where(eq(conversationMessages.conversationId, conversationId)).orderBy(asc(conversationMessages.createdAt)).limit(limit);
    },
  };
}

export type ChatRepo = ReturnType<typeof createChatRepo>;
