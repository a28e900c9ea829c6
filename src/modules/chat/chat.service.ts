// Dashboard chat with an agent: conversations and their messages are persisted here, and every
// message goes through the A2A gateway (container.a2a), the one way to talk to an agent.
import type { Principal } from '../../http/principal.js';
import { principalId } from '../../http/principal.js';
import type { Clock } from '../../lib/clock.js';
import { AppError, NotFoundError } from '../../lib/errors.js';
import type { A2aService, A2aStreamEvent } from '../a2a/a2a.service.js';
import type { AgentLookup } from './chat.ports.js';
import type { ChatRepo, ConversationRow, MessageRow } from './chat.repo.js';

export const CHAT_MESSAGE_MAX = 32_000;
const TITLE_MAX = 200;
const FINAL_STATES = new Set(['TASK_STATE_COMPLETED', 'TASK_STATE_FAILED', 'TASK_STATE_CANCELED', 'TASK_STATE_REJECTED', 'TASK_STATE_INPUT_REQUIRED', 'TASK_STATE_AUTH_REQUIRED']);

export interface ConversationView {
  id: string;
  agentId: string;
  title: string;
  createdAt: string;
  updatedAt: string;
}

export interface MessageView {
  id: string;
  role: 'user' | 'agent';
  content: string;
  status: string | null;
  taskId: string | null;
  model: string | null;
  tokensIn: number | null;
  tokensOut: number | null;
  durationMs: number | null;
  createdAt: string;
}

export type ChatEvent =
  | { type: 'conversation'; conversationId: string }
  | { type: 'token'; text: string }
  | { type: 'done'; message: MessageView }
  | { type: 'error'; code: string; message: string };

const convView = (r: ConversationRow): ConversationView => ({ id: r.id, agentId: r.agentId, title: r.title, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() });
const msgView = (r: MessageRow): MessageView => ({
  id: r.id,
  role: r.role as 'user' | 'agent',
  content: r.content,
  status: r.status,
  taskId: r.taskId,
  model: r.model,
  tokensIn: r.tokensIn,
  tokensOut: r.tokensOut,
  durationMs: r.durationMs,
  createdAt: r.createdAt.toISOString(),
});
const notFound = () => new NotFoundError('Conversation not found', 'CONVERSATION_NOT_FOUND');

type Json = Record<string, unknown>;
const textOf = (m: unknown): string => (((m as Json | undefined)?.parts as Json[] | undefined) ?? []).map((p) => (typeof p.text === 'string' ? p.text : '')).join('');
const shortState = (s: string) => s.replace(/^TASK_STATE_/, '').toLowerCase();

export function createChatService(deps: { repo: ChatRepo; agents: AgentLookup; a2a: Pick<A2aService, 'streamMessage'>; clock: Clock }) {
  const { repo, agents, a2a, clock } = deps;

  async function conversationOf(principal: Principal, agentId: string, id: string): Promise<ConversationRow> {
    await agents.get(agentId, principal);
    const c = await repo.findConversation(principalId(principal), agentId, id);
    if (!c) throw notFound();
    return c;
  }

  return {
    async list(principal: Principal, agentId: string): Promise<ConversationView[]> {
      await agents.get(agentId, principal);
      return (await repo.listConversations(principalId(principal), agentId, 100)).map(convView);
    },

    async create(principal: Principal, agentId: string, title?: string): Promise<ConversationView> {
      await agents.get(agentId, principal);
      const now = clock.now();
      return convView(await repo.insertConversation({ agentId, ownerId: principalId(principal), title: (title ?? 'New conversation').slice(0, TITLE_MAX), createdAt: now, updatedAt: now }));
    },

    async get(principal: Principal, agentId: string, id: string): Promise<ConversationView & { messages: MessageView[] }> {
      const c = await conversationOf(principal, agentId, id);
      return { ...convView(c), messages: (await repo.listMessages(c.id, 1000)).map(msgView) };
    },

    async remove(principal: Principal, agentId: string, id: string): Promise<void> {
      await agents.get(agentId, principal);
      if (!(await repo.deleteConversation(principalId(principal), agentId, id))) throw notFound();
    },

    /** Called by the agents module when an agent is deleted (there is no foreign key). */
    deleteForAgent: (agentId: string) => repo.deleteForAgent(agentId),

    /**
     * Sends one message and yields the conversation id, the agent's tokens as they come, then the
     * stored agent message (with usage) or an error. Validation and lookup errors throw before
     * the first event, so the route can still answer with a plain HTTP error.
     */
    async open(principal: Principal, agentId: string, input: { message: string; conversationId?: string }): Promise<AsyncGenerator<ChatEvent>> {
      const agent = await agents.get(agentId, principal);
      const owner = principalId(principal);
      let conv: ConversationRow;
      if (input.conversationId) {
        const found = await repo.findConversation(owner, agentId, input.conversationId);
        if (!found) throw notFound();
        conv = found;
      } else {
        const now = clock.now();
        conv = await repo.insertConversation({ agentId, ownerId: owner, title: input.message.slice(0, 60) || 'New conversation', createdAt: now, updatedAt: now });
      }
      return run(principal, agent.slug, conv, input.message);
    },
  };

  async function* run(principal: Principal, slug: string, conv: ConversationRow, message: string): AsyncGenerator<ChatEvent> {
    yield { type: 'conversation', conversationId: conv.id };
    await repo.insertMessage({ conversationId: conv.id, role: 'user', content: message, createdAt: clock.now() });
    const started = performance.now();
    let streamed = '';
    let final: { state: string; text: string; usage?: Json; taskId?: string } | null = null;
    let contextId = conv.contextId ?? undefined;
    let taskId: string | undefined;
    try {
      const events: AsyncGenerator<A2aStreamEvent> = a2a.streamMessage(slug, principal, { text: message, ...(contextId ? { contextId } : {}) });
      for await (const ev of events) {
        const task = ev.task as Json | undefined;
        const status = (task?.status ?? (ev.statusUpdate as Json | undefined)?.status) as Json | undefined;
        const ids = (task ?? ev.statusUpdate ?? ev.artifactUpdate ?? ev.message) as Json | undefined;
        if (typeof ids?.contextId === 'string' && ids.contextId) contextId = ids.contextId;
        if (typeof task?.id === 'string') taskId = task.id;
        if (typeof ids?.taskId === 'string' && ids.taskId) taskId = ids.taskId;
        const art = ev.artifactUpdate as Json | undefined;
        if (art) {
          const piece = textOf(art.artifact);
          if (piece) {
            streamed += piece;
            yield { type: 'token', text: piece };
          }
        }
        if (ev.message) {
          final = { state: 'TASK_STATE_COMPLETED', text: textOf(ev.message) };
          if (!streamed && final.text) yield { type: 'token', text: final.text };
        }
        if (status && FINAL_STATES.has(String(status.state))) {
          const m = status.message as Json | undefined;
          final = { state: String(status.state), text: textOf(m), usage: (m?.metadata as Json | undefined)?.usage as Json | undefined };
          if (!streamed && final.text && final.state === 'TASK_STATE_COMPLETED') yield { type: 'token', text: final.text };
        }
      }
    } catch (err) {
      const e = err instanceof AppError ? err : new AppError(502, 'AGENT_ERROR', 'The agent could not be reached');
      final = { state: 'TASK_STATE_FAILED', text: `${e.code}: ${e.message}` };
      yield { type: 'error', code: e.code, message: e.message };
    }
    const state = final?.state ?? 'TASK_STATE_FAILED';
    const usage = final?.usage ?? {};
    const content = state === 'TASK_STATE_COMPLETED' ? streamed || final?.text || '' : final?.text || streamed;
    const row = await repo.insertMessage({
      conversationId: conv.id,
      role: 'agent',
      content: content.slice(0, 1_000_000),
      status: shortState(state),
      taskId: taskId ?? null,
      model: typeof usage.model === 'string' ? usage.model : null,
      tokensIn: typeof usage.promptTokens === 'number' ? usage.promptTokens : null,
      tokensOut: typeof usage.completionTokens === 'number' ? usage.completionTokens : null,
      durationMs: Math.round(performance.now() - started),
      createdAt: clock.now(),
    });
    await repo.touchConversation(conv.id, { updatedAt: clock.now(), ...(contextId ? { contextId } : {}) });
    yield { type: 'done', message: msgView(row) };
  }
}

export type ChatService = ReturnType<typeof createChatService>;
