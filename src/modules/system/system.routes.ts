import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SystemService } from './system.service.js';

export const systemRoutes: FastifyPluginAsyncZod<{ system: SystemService }> = async (app, { system }) => {
  app.get(
    '/api/health',
    {
      config: { access: 'public' },
      schema: {
        tags: ['system'],
        summary: 'Liveness for load balancers',
        description: 'Always `{ ok: true }` while the process answers; with HEALTH_CHECK_DEEP=true the database is checked too (503 when down).',
        response: { 200: z.object({ ok: z.literal(true) }), 503: z.object({ ok: z.literal(false) }) },
      },
    },
    async (_req, reply) => {
      const result = await system.liveness();
      return result.ok ? reply.send({ ok: true as const }) : reply.status(503).send({ ok: false as const });
    },
  );

  const service = z.object({
    ok: z.boolean(),
    required: z.boolean(),
    latencyMs: z.number().optional(),
    kind: z.string().optional(),
    error: z.string().optional(),
  });
  const health = z.object({ status: z.enum(['ok', 'degraded', 'down']), services: z.record(z.string(), service) });
  app.get(
    '/api/system/health',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['system'],
        summary: 'Dependencies and runtime drivers, with why one is unavailable',
        description:
          'Postgres and Redis/Kv are required; a runtime driver is required only when it is PILOX_RUNTIME_DEFAULT. 503 (`down`) only when a required one fails; an optional one failing makes the status `degraded`.',
        response: { 200: health, 503: health },
      },
    },
    async (_req, reply) => {
      const result = await system.health();
      return reply.status(result.status === 'down' ? 503 : 200).send(result);
    },
  );
};
