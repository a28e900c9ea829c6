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

  const probeSchema = z.object({
    ok: z.boolean(),
    latencyMs: z.number().int(),
    error: z.string().max(1024).optional(),
    kind: z.string().max(32),
    required: z.boolean(),
  });
  const healthSchema = z.object({
    status: z.enum(['ok', 'degraded', 'down']),
    services: z.record(z.string().max(64), probeSchema),
  });

  app.get(
    '/api/system/health',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['system'],
        summary: 'Health of every dependency (dashboard, tooling)',
        description:
          '`down` (503) when a required dependency does not answer, `degraded` when only an optional one is unhealthy. Errors are shown to signed-in callers only.',
        response: { 200: healthSchema, 503: healthSchema },
      },
    },
    async (_req, reply) => {
      const services: Record<string, z.infer<typeof probeSchema>> = await system.dependencies();
      const all = Object.values(services);
      const status = all.some((s) => s.required && !s.ok) ? 'down' : all.some((s) => !s.ok) ? 'degraded' : 'ok';
      return reply.status(status === 'down' ? 503 : 200).send({ status, services });
    },
  );
};
