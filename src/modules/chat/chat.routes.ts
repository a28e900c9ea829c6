// /api/agents/:id/chat (SSE) and /api/agents/:id/conversations: a user's chats with an agent.
// The agent is reached through the A2A gateway with the caller's own principal, so the same
// visibility and role rules apply as to any A2A caller.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CHAT_MESSAGE_MAX, type ChatService } from './chat.service.js';

const SSE_KEEPALIVE_MS = 15_000;
const TAGS = ['chat'];
const agentParams = z.object({ id: z.uuid() });
const convParams = z.object({ id: z.uuid(), conversationId: z.uuid() });
const conversation = z.object({ id: z.uuid(), agentId: z.uuid(), title: z.string(), createdAt: z.string(), updatedAt: z.string() });
const message = z.object({
  id: z.uuid(),
  role: z.enum(['user', 'agent']),
  content: z.string(),
  status: z.string().nullable(),
  taskId: z.string().nullable(),
  model: z.string().nullable(),
  tokensIn: z.number().nullable(),
  tokensOut: z.number().nullable(),
  durationMs: z.number().nullable(),
  createdAt: z.string(),
});

export const chatRoutes: FastifyPluginAsyncZod<{ chat: ChatService }> = async (app, { chat }) => {
  app.post(
    '/api/agents/:id/chat',
    {
      config: { access: 'viewer' },
      schema: {
        tags: TAGS,
        summary: 'Send a message to an agent and stream its answer (SSE)',
        description:
          'Server-sent events: `conversation` ({conversationId}), `token` ({text}) as the agent streams, then `done` ({message} with tokens, model, duration) or `error` ({code, message}). Without `conversationId` a new conversation is started.',
        params: agentParams,
        body: z.strictObject({ message: z.string().min(1).max(CHAT_MESSAGE_MAX), conversationId: z.uuid().optional() }),
        produces: ['text/event-stream'],
        response: { 200: z.string().describe('text/event-stream') },
      },
    },
    async (req, reply) => {
      const events = await chat.open(req.principal, req.params.id, req.body);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no', 'x-request-id': String(req.id) });
      const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), SSE_KEEPALIVE_MS);
      try {
        // The answer is stored even if the browser goes away, so the stream is drained regardless.
        for await (const ev of events) {
          if (!raw.destroyed) raw.write(`event: ${ev.type}\ndata: ${JSON.stringify(ev.type === 'token' ? { text: ev.text } : ev.type === 'done' ? { message: ev.message } : ev.type === 'conversation' ? { conversationId: ev.conversationId } : { code: ev.code, message: ev.message })}\n\n`);
        }
      } catch (err) {
        req.log.error({ err }, 'chat stream failed');
        if (!raw.destroyed) raw.write(`event: error\ndata: ${JSON.stringify({ code: 'INTERNAL_ERROR', message: 'Internal error' })}\n\n`);
      } finally {
        clearInterval(keepAlive);
        if (!raw.writableEnded) raw.end();
      }
      return reply;
    },
  );

  app.get(
    '/api/agents/:id/conversations',
    { config: { access: 'viewer' }, schema: { tags: TAGS, summary: 'Your conversations with an agent (newest first)', params: agentParams, response: { 200: z.object({ items: z.array(conversation).max(100) }) } } },
    async (req) => ({ items: await chat.list(req.principal, req.params.id) }),
  );

  app.post(
    '/api/agents/:id/conversations',
    {
      config: { access: 'viewer' },
      schema: { tags: TAGS, summary: 'Start a conversation', params: agentParams, body: z.strictObject({ title: z.string().min(1).max(200).optional() }), response: { 201: conversation } },
    },
    async (req, reply) => reply.status(201).send(await chat.create(req.principal, req.params.id, req.body.title)),
  );

  app.get(
    '/api/agents/:id/conversations/:conversationId',
    {
      config: { access: 'viewer' },
      schema: { tags: TAGS, summary: 'A conversation with its messages', params: convParams, response: { 200: conversation.extend({ messages: z.array(message).max(1000) }) } },
    },
    async (req) => chat.get(req.principal, req.params.id, req.params.conversationId),
  );

  app.delete(
    '/api/agents/:id/conversations/:conversationId',
    { config: { access: 'viewer' }, schema: { tags: TAGS, summary: 'Delete a conversation', params: convParams, response: { 204: z.null() } } },
    async (req, reply) => {
      await chat.remove(req.principal, req.params.id, req.params.conversationId);
      return reply.status(204).send(null);
    },
  );
};
