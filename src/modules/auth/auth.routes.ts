import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Kv } from '../../lib/kv/kv.js';
import { BadRequestError } from '../../lib/errors.js';
import { rateLimit } from '../../http/plugins/rate-limit.js';
import { actorOf } from '../../http/request-context.js';
import type { UsersService } from '../users/users.service.js';
import { emailSchema, nameSchema, passwordSchema, publicUserSchema, roleSchema } from '../users/users.schemas.js';
import type { AuthService } from './auth.service.js';
import type { SessionManager } from './session.js';

const mfaProof = {
  code: z.string().trim().regex(/^\d{6}$/, 'must be 6 digits').optional(),
  recoveryCode: z.string().trim().min(1).max(32).optional(),
};

export const sessionUserSchema = z.object({ user: publicUserSchema, expiresAt: z.string().max(40) });

export const authRoutes: FastifyPluginAsyncZod<{
  auth: AuthService;
  users: Pick<UsersService, 'getAuthState' | 'revokeSessions'>;
  sessions: SessionManager;
  kv: Kv;
  allowPublicRegistration: boolean;
  limit: { max: number; windowMs: number };
}> = async (app, { auth, users, sessions, kv, allowPublicRegistration, limit }) => {
  const perIp = (name: string) => rateLimit({ kv, name, ...limit, key: (r) => r.clientIp });

  app.get(
    '/api/auth/registration-status',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Whether anyone may register (ALLOW_PUBLIC_REGISTRATION)',
        response: { 200: z.object({ publicRegistration: z.boolean() }) },
      },
    },
    async () => ({ publicRegistration: allowPublicRegistration }),
  );

  app.post(
    '/api/auth/register',
    {
      config: { access: 'public' },
      preHandler: perIp('register'),
      schema: {
        tags: ['auth'],
        summary: 'Create an account',
        description:
          'Admins (session or API token) create accounts of any role. Others may register a viewer account only when ALLOW_PUBLIC_REGISTRATION is true, and are then signed in. A role above viewer from a non-admin is 403 ROLE_ESCALATION.',
        body: z.object({ email: emailSchema, name: nameSchema, password: passwordSchema, role: roleSchema.optional() }),
        response: { 201: z.object({ user: publicUserSchema, signedIn: z.boolean() }) },
      },
    },
    async (request, reply) => {
      const { user, session } = await auth.register(request.body, actorOf(request));
      if (session) reply.header('set-cookie', sessions.setCookie(session.token));
      return reply.status(201).send({ user, signedIn: session !== null });
    },
  );

  app.post(
    '/api/auth/login',
    {
      config: { access: 'public' },
      preHandler: perIp('login'),
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password',
        description:
          'Sets the `pilox_session` cookie. When the account has MFA, either send `code` (or `recoveryCode`) with the password, or exchange the returned `challenge` at POST /api/auth/mfa/verify. Repeated failures lock the account (429 ACCOUNT_LOCKED).',
        body: z.object({ email: emailSchema, password: z.string().min(1).max(1024), ...mfaProof }),
        response: {
          200: z.union([
            sessionUserSchema.extend({ mfaRequired: z.literal(false) }),
            z.object({ mfaRequired: z.literal(true), challenge: z.string().max(2048), expiresAt: z.string().max(40) }),
          ]),
        },
      },
    },
    async (request, reply) => {
      const result = await auth.login(request.body, actorOf(request));
      if (result.kind === 'mfa_required') {
        return { mfaRequired: true as const, challenge: result.challenge, expiresAt: result.expiresAt.toISOString() };
      }
      reply.header('set-cookie', sessions.setCookie(result.session.token));
      return { mfaRequired: false as const, user: result.user, expiresAt: result.session.expiresAt.toISOString() };
    },
  );

  app.post(
    '/api/auth/logout',
    {
      config: { access: 'public' },
      schema: { tags: ['auth'], summary: 'Clear the session cookie', response: { 204: z.null() } },
    },
    async (_request, reply) => {
      reply.header('set-cookie', sessions.clearCookie());
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/auth/me',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['auth'],
        summary: 'The caller',
        response: {
          200: z.object({
            principal: z.object({
              kind: z.enum(['user', 'internal', 'federation']),
              role: roleSchema,
              via: z.enum(['session', 'token']).optional(),
              tokenId: z.uuid().optional(),
            }),
            user: z.object({ id: z.uuid(), email: z.string().max(320), name: z.string().max(100), role: roleSchema }).nullable(),
          }),
        },
      },
    },
    async (request) => {
      const p = request.principal;
      if (p.kind === 'anonymous') throw new BadRequestError('unreachable: route requires a role');
      if (p.kind !== 'user') return { principal: { kind: p.kind, role: p.role }, user: null };
      const u = await users.getAuthState(p.userId);
      return {
        principal: { kind: p.kind, role: p.role, via: p.via, tokenId: p.tokenId },
        user: u ? { id: u.id, email: u.email, name: u.name, role: u.role } : null,
      };
    },
  );

  app.post(
    '/api/auth/password',
    {
      config: { access: 'viewer' },
      preHandler: rateLimit({ kv, name: 'password_change', ...limit, key: (r) => r.clientIp }),
      schema: {
        tags: ['auth'],
        summary: 'Change your password (ends your other sessions)',
        body: z.object({ currentPassword: z.string().min(1).max(1024), newPassword: passwordSchema }),
        response: { 200: z.object({ expiresAt: z.string().max(40) }) },
      },
    },
    async (request, reply) => {
      const p = request.principal;
      if (p.kind !== 'user') throw new BadRequestError('Only user accounts have a password', 'NOT_A_USER');
      const session = await auth.changePassword(p.userId, request.body.currentPassword, request.body.newPassword, actorOf(request));
      if (p.via === 'session') reply.header('set-cookie', sessions.setCookie(session.token));
      return { expiresAt: session.expiresAt.toISOString() };
    },
  );

  app.post(
    '/api/auth/sessions/revoke',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['auth'],
        summary: 'Sign out everywhere (every session of the caller, including this one)',
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const p = request.principal;
      if (p.kind !== 'user') throw new BadRequestError('Only user accounts have sessions', 'NOT_A_USER');
      await users.revokeSessions(p.userId, actorOf(request));
      reply.header('set-cookie', sessions.clearCookie());
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/auth/password-reset',
    {
      config: { access: 'public' },
      preHandler: perIp('password_reset'),
      schema: {
        tags: ['auth'],
        summary: 'Set a new password with an admin-issued reset link',
        body: z.object({ token: z.string().min(16).max(256), password: passwordSchema }),
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await auth.resetPassword(request.body.token, request.body.password, actorOf(request));
      return reply.status(204).send(null);
    },
  );
};
