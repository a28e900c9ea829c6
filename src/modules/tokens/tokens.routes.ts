import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Kv } from '../../lib/kv/kv.js';
import { BadRequestError, ForbiddenError } from '../../lib/errors.js';
import { hasRole } from '../../http/principal.js';
import { rateLimit } from '../../http/plugins/rate-limit.js';
import { actorOf } from '../../http/request-context.js';
import { roleSchema } from '../users/users.schemas.js';
import type { TokensService } from './tokens.service.js';

const tokenSchema = z.object({
  id: z.uuid(),
  userId: z.uuid(),
  ownerEmail: z.string().max(320).optional(),
  name: z.string().max(100),
  prefix: z.string().max(32),
  role: roleSchema,
  expiresAt: z.string().max(40).nullable(),
  lastUsedAt: z.string().max(40).nullable(),
  createdAt: z.string().max(40),
});

function callerUser(request: FastifyRequest) {
  const p = request.principal;
  if (p.kind !== 'user') throw new BadRequestError('API tokens belong to user accounts; sign in as a user', 'NOT_A_USER');
  return p;
}

export const tokensRoutes: FastifyPluginAsyncZod<{ tokens: TokensService; kv: Kv; limit: { max: number; windowMs: number } }> = async (
  app,
  { tokens, kv, limit },
) => {
  app.post(
    '/api/tokens',
    {
      config: { access: 'viewer' },
      preHandler: rateLimit({ kv, name: 'tokens', ...limit, key: (r) => (r.principal.kind === 'user' ? r.principal.userId : r.clientIp) }),
      schema: {
        tags: ['tokens'],
        summary: 'Create an API token (the secret is returned once)',
        description:
          'Use it as `Authorization: Bearer pilox_…` on any /api route. The role defaults to yours and cannot exceed it (403 ROLE_ESCALATION). Admins may create a token for another user with `userId`.',
        body: z.object({
          name: z.string().trim().min(1).max(100),
          role: roleSchema.optional(),
          expiresAt: z.iso.datetime({ offset: true }).optional(),
          userId: z.uuid().optional(),
        }),
        response: { 201: tokenSchema.extend({ token: z.string().max(128) }) },
      },
    },
    async (request, reply) => {
      const p = callerUser(request);
      const { name, role, expiresAt, userId } = request.body;
      if (userId && userId !== p.userId && !hasRole(p, 'admin')) {
        throw new ForbiddenError('Only admins may create tokens for other users', 'INSUFFICIENT_ROLE');
      }
      const created = await tokens.create(
        { ownerId: userId ?? p.userId, name, role, expiresAt: expiresAt ? new Date(expiresAt) : null },
        actorOf(request),
      );
      return reply.status(201).send({ ...created.record, token: created.token });
    },
  );

  app.get(
    '/api/tokens',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['tokens'],
        summary: 'List your API tokens (admins: `all=true` for everyone’s)',
        querystring: z.object({
          all: z.enum(['true', 'false']).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(100),
          offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
        }),
        response: { 200: z.object({ items: z.array(tokenSchema).max(200) }) },
      },
    },
    async (request) => {
      const p = callerUser(request);
      const all = request.query.all === 'true';
      if (all && !hasRole(p, 'admin')) throw new ForbiddenError('Requires the admin role', 'INSUFFICIENT_ROLE');
      return { items: await tokens.list(all ? null : p.userId, request.query) };
    },
  );

  app.delete(
    '/api/tokens/:id',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['tokens'],
        summary: 'Revoke an API token (yours; admins: anyone’s)',
        params: z.object({ id: z.uuid() }),
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const p = callerUser(request);
      await tokens.delete(request.params.id, hasRole(p, 'admin') ? null : p.userId, actorOf(request));
      return reply.status(204).send(null);
    },
  );
};
