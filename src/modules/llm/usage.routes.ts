// Usage reports: `GET /api/usage` (your agents; admins may ask for all) and
// `GET /api/agents/:id/usage` (one agent you may see).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { UsageService } from './usage.service.js';

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

export const usageRoutes: FastifyPluginAsyncZod<{ usage: UsageService }> = async (app, { usage }) => {
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
    async (req) => usage.summary(req.principal, { ...req.query, all: req.query.all === 'true' }),
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
    async (req) => usage.forAgent(req.principal, req.params.id, req.query),
  );
};
