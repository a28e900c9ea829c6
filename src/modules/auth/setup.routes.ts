import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Kv } from '../../lib/kv/kv.js';
import { bearerToken } from '../../http/plugins/access-control.js';
import { rateLimit } from '../../http/plugins/rate-limit.js';
import { actorOf } from '../../http/request-context.js';
import { emailSchema, nameSchema, passwordSchema, publicUserSchema } from '../users/users.schemas.js';
import type { SessionManager } from './session.js';
import type { SetupService } from './setup.service.js';

export const setupRoutes: FastifyPluginAsyncZod<{
  setup: SetupService;
  sessions: SessionManager;
  kv: Kv;
  limit: { max: number; windowMs: number };
}> = async (app, { setup, sessions, kv, limit }) => {
  app.get(
    '/api/setup/status',
    {
      config: { access: 'public' },
      schema: {
        tags: ['setup'],
        summary: 'Whether the first admin exists',
        response: {
          200: z.object({
            adminExists: z.boolean(),
            setupTokenRequired: z.literal(true),
            tokenSource: z.enum(['HIVE_SETUP_TOKEN', 'startup_log']),
          }),
        },
      },
    },
    async () => setup.status(),
  );

  app.post(
    '/api/setup',
    {
      config: { access: 'public' },
      preHandler: rateLimit({ kv, name: 'setup', ...limit, key: (r) => r.clientIp }),
      schema: {
        tags: ['setup'],
        summary: 'Create the first admin (once)',
        description:
          'Requires the setup token (HIVE_SETUP_TOKEN, or the one-time token `pilox start` printed) as `Authorization: Bearer …` or `X-Hive-Setup-Token`. 409 once an admin exists. Signs the new admin in.',
        headers: z.object({ 'x-hive-setup-token': z.string().max(1024).optional() }),
        body: z.object({ email: emailSchema, name: nameSchema, password: passwordSchema }),
        response: { 201: z.object({ user: publicUserSchema }) },
      },
    },
    async (request, reply) => {
      const presented = request.headers['x-hive-setup-token'] ?? bearerToken(request);
      const { user, session } = await setup.createFirstAdmin(request.body, presented ?? null, actorOf(request));
      reply.header('set-cookie', sessions.setCookie(session.token));
      return reply.status(201).send({ user });
    },
  );
};
