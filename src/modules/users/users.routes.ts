// Admin user management. Account creation is POST /api/auth/register (spec §6).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../lib/errors.js';
import { actorOf } from '../../http/request-context.js';
import type { UsersService } from './users.service.js';
import { nameSchema, publicUserSchema, roleSchema } from './users.schemas.js';

/** What users routes need from the auth module (reset links, MFA reset). */
export interface UserAdminActions {
  issuePasswordReset(userId: string, ctx: ReturnType<typeof actorOf>): Promise<{ token: string; url: string; expiresAt: Date }>;
  resetMfa(userId: string, ctx: ReturnType<typeof actorOf>): Promise<boolean>;
}

const idParams = z.object({ id: z.uuid() });

export const usersRoutes: FastifyPluginAsyncZod<{ users: UsersService; actions: UserAdminActions }> = async (app, { users, actions }) => {
  app.get(
    '/api/users',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'List users',
        querystring: z.object({
          search: z.string().trim().max(320).optional(),
          role: roleSchema.optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
        }),
        response: { 200: z.object({ items: z.array(publicUserSchema).max(200), total: z.number().int() }) },
      },
    },
    async (request) => users.list(request.query),
  );

  app.get(
    '/api/users/:id',
    {
      config: { access: 'admin' },
      schema: { tags: ['users'], summary: 'One user', params: idParams, response: { 200: publicUserSchema } },
    },
    async (request) => {
      const user = await users.getById(request.params.id);
      if (!user) throw new NotFoundError('User not found', 'USER_NOT_FOUND');
      return user;
    },
  );

  app.patch(
    '/api/users/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'Rename, change role, disable or enable a user',
        description: 'A role change or disable signs the user out everywhere; disabling also stops their API tokens. The last enabled admin cannot be demoted or disabled (409 LAST_ADMIN).',
        params: idParams,
        body: z.object({ name: nameSchema.optional(), role: roleSchema.optional(), disabled: z.boolean().optional() }),
        response: { 200: publicUserSchema },
      },
    },
    async (request) => users.update(request.params.id, request.body, actorOf(request)),
  );

  app.delete(
    '/api/users/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'Delete a user and their API tokens',
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await users.delete(request.params.id, actorOf(request));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/users/:id/password-reset',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'Issue a single-use password reset link',
        description: 'Returns the link once; hand it to the user (no email server needed). It replaces earlier unused links of the user and expires after PASSWORD_RESET_TTL_SECONDS.',
        params: idParams,
        response: { 201: z.object({ url: z.string().max(2048), token: z.string().max(256), expiresAt: z.string().max(40) }) },
      },
    },
    async (request, reply) => {
      const r = await actions.issuePasswordReset(request.params.id, actorOf(request));
      return reply.status(201).send({ url: r.url, token: r.token, expiresAt: r.expiresAt.toISOString() });
    },
  );

  app.delete(
    '/api/users/:id/mfa',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['users'],
        summary: "Remove a user's MFA (lost device)",
        params: idParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      if (!(await users.getById(request.params.id))) throw new NotFoundError('User not found', 'USER_NOT_FOUND');
      await actions.resetMfa(request.params.id, actorOf(request));
      return reply.status(204).send(null);
    },
  );
};
