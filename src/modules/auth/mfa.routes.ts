import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Kv } from '../../lib/kv/kv.js';
import { BadRequestError } from '../../lib/errors.js';
import { rateLimit } from '../../http/plugins/rate-limit.js';
import { actorOf } from '../../http/request-context.js';
import type { UsersService } from '../users/users.service.js';
import type { AuthService } from './auth.service.js';
import { sessionUserSchema } from './auth.routes.js';
import type { MfaService } from './mfa.service.js';
import type { SessionManager } from './session.js';

const code = z.string().trim().regex(/^\d{6}$/, 'must be 6 digits');
const proof = { code: code.optional(), recoveryCode: z.string().trim().min(1).max(32).optional() };

function userOf(request: FastifyRequest) {
  const p = request.principal;
  if (p.kind !== 'user') throw new BadRequestError('MFA applies to user accounts only', 'NOT_A_USER');
  return p;
}

export const mfaRoutes: FastifyPluginAsyncZod<{
  mfa: MfaService;
  auth: AuthService;
  users: Pick<UsersService, 'checkPassword'>;
  sessions: SessionManager;
  kv: Kv;
  limit: { max: number; windowMs: number };
}> = async (app, { mfa, auth, users, sessions, kv, limit }) => {
  const perIp = (name: string) => rateLimit({ kv, name, ...limit, key: (r) => r.clientIp });

  app.get(
    '/api/auth/mfa',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['auth'],
        summary: 'MFA status of the caller',
        response: { 200: z.object({ enabled: z.boolean(), pending: z.boolean(), recoveryCodesRemaining: z.number().int() }) },
      },
    },
    async (request) => mfa.status(userOf(request).userId),
  );

  app.post(
    '/api/auth/mfa/setup',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['auth'],
        summary: 'Start TOTP enrolment',
        description: 'Returns the secret and an otpauth:// URL for an authenticator app; MFA is enforced after POST /api/auth/mfa/confirm.',
        response: { 200: z.object({ secret: z.string().max(128), otpauthUrl: z.string().max(2048) }) },
      },
    },
    async (request) => {
      const p = userOf(request);
      return mfa.beginSetup({ id: p.userId, email: p.email }, actorOf(request));
    },
  );

  app.post(
    '/api/auth/mfa/confirm',
    {
      config: { access: 'viewer' },
      preHandler: perIp('mfa'),
      schema: {
        tags: ['auth'],
        summary: 'Confirm enrolment with a first code; returns 10 single-use recovery codes (shown once)',
        body: z.object({ code }),
        response: { 200: z.object({ recoveryCodes: z.array(z.string().max(32)).max(10) }) },
      },
    },
    async (request) => mfa.confirm(userOf(request).userId, request.body.code, actorOf(request)),
  );

  app.post(
    '/api/auth/mfa/verify',
    {
      config: { access: 'public' },
      preHandler: perIp('mfa'),
      schema: {
        tags: ['auth'],
        summary: 'Second login step: exchange the login challenge and a code for a session',
        body: z.object({ challenge: z.string().min(1).max(2048), ...proof }),
        response: { 200: sessionUserSchema },
      },
    },
    async (request, reply) => {
      const { user, session } = await auth.completeMfaLogin(request.body, actorOf(request));
      reply.header('set-cookie', sessions.setCookie(session.token));
      return { user, expiresAt: session.expiresAt.toISOString() };
    },
  );

  app.post(
    '/api/auth/mfa/disable',
    {
      config: { access: 'viewer' },
      preHandler: perIp('mfa'),
      schema: {
        tags: ['auth'],
        summary: 'Turn MFA off (requires the password and a current code or recovery code)',
        body: z.object({ password: z.string().min(1).max(1024), ...proof }),
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const p = userOf(request);
      const ctx = actorOf(request);
      if (!(await users.checkPassword(p.userId, request.body.password))) {
        throw new BadRequestError('password: wrong password', 'INVALID_CURRENT_PASSWORD');
      }
      await mfa.verify(p.userId, request.body, ctx);
      await mfa.disable(p.userId, ctx);
      return reply.status(204).send(null);
    },
  );
};
