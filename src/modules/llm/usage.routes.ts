// Usage reports over inference_usage: `GET /api/usage` (your agents; admins may ask for all)
// and `GET /api/agents/:id/usage` (one agent you may see).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../lib/db/database.js';
import { ValidationError } from '../../lib/errors.js';
import type { AgentLookup } from '../chat/chat.ports.js';
import { summarizeUsage, type UsageGroup } from './usage.repo.js';

const DAY = 86_400_000;
const MAX_RANGE_DAYS = 400;
const TAGS = ['usage'];

const group = z.object({ key: z.string(), requests: z.number(), tokensIn: z.number(), tokensOut: z.number(), costMicros: z.number() });
const report = z.object({
  from: z.string(),
  to: z.string(),
  groupBy: z.enum(['agent', 'model', 'day']),
  items: z.array(group).max(10_000),
  totals: group.omit({ key: true }),
});
const range = {
  from: z.iso.datetime({ offset: true }).optional().describe('Start (inclusive); default 30 days before `to`'),
  to: z.iso.datetime({ offset: true }).optional().describe('End (exclusive); default now'),
};

function window(q: { from?: string; to?: string }): { from: Date; to: Date } {
  const to = q.to ? new Date(q.to) : new Date();
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 30 * DAY);
  if (from >= to) throw new ValidationError('query.from: must be before `to`');
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY) throw new ValidationError(`query.from: at most ${MAX_RANGE_DAYS} days`);
  return { from, to };
}

function totals(items: UsageGroup[]) {
  return items.reduce((t, i) => ({ requests: t.requests + i.requests, tokensIn: t.tokensIn + i.tokensIn, tokensOut: t.tokensOut + i.tokensOut, costMicros: t.costMicros + i.costMicros }), {
    requests: 0,
    tokensIn: 0,
    tokensOut: 0,
    costMicros: 0,
  });
}

export const usageRoutes: FastifyPluginAsyncZod<{ db: Db; agents: AgentLookup }> = async (app, { db, agents }) => {
  app.get(
    '/api/usage',
    {
      config: { access: 'viewer' },
      schema: {
        tags: TAGS,
        summary: 'LLM usage of your agents, grouped by agent, model or day (UTC)',
        description: 'Admins get every owner with `all=true`. Costs are micro-units of the provider price currency.',
        querystring: z.strictObject({ ...range, groupBy: z.enum(['agent', 'model', 'day']).default('day'), all: z.enum(['true', 'false']).optional() }),
        response: { 200: report },
      },
    },
    async (req) => {
      const { from, to } = window(req.query);
      const p = req.principal;
      const all = req.query.all === 'true' && (p.kind === 'internal' || (p.kind === 'user' && p.role === 'admin'));
      const ownerId = all ? undefined : p.kind === 'user' ? p.userId : '00000000-0000-0000-0000-000000000000';
      const items = await summarizeUsage(db, { from, to, groupBy: req.query.groupBy, ownerId });
      return { from: from.toISOString(), to: to.toISOString(), groupBy: req.query.groupBy, items, totals: totals(items) };
    },
  );

  app.get(
    '/api/agents/:id/usage',
    {
      config: { access: 'viewer' },
      schema: {
        tags: TAGS,
        summary: "One agent's LLM usage, grouped by model or day (UTC)",
        params: z.object({ id: z.uuid() }),
        querystring: z.strictObject({ ...range, groupBy: z.enum(['model', 'day']).default('day') }),
        response: { 200: report },
      },
    },
    async (req) => {
      const agent = await agents.get(req.params.id, req.principal);
      const { from, to } = window(req.query);
      const items = await summarizeUsage(db, { from, to, groupBy: req.query.groupBy, agentId: agent.id });
      return { from: from.toISOString(), to: to.toISOString(), groupBy: req.query.groupBy, items, totals: totals(items) };
    },
  );
};
