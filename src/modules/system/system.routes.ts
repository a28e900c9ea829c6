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
};
