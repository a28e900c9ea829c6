// Sign-in flows: password login (with account lockout and an MFA step), self-registration or
// admin-created accounts, password change, and admin-issued password reset links.
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import type { Db } from '../../lib/db/database.js';
import { BadRequestError, ForbiddenError, NotFoundError, UnauthorizedError } from '../../lib/errors.js';
import type { Role } from '../../http/access.js';
import { hasRole, principalId, roleRank, type Principal } from '../../http/principal.js';
import type { ActorContext, AuditService } from '../audit/audit.service.js';
import type { PublicUser, UserAuthState, UsersService } from '../users/users.service.js';
import { toPublicUser } from '../users/users.service.js';
import type { UserRow } from '../users/users.tables.js';
import { createAuthRepo } from './auth.repo.js';
import type { Lockout } from './lockout.js';
import type { MfaProof, MfaService } from './mfa.service.js';
import type { SessionManager } from './session.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface IssuedSession {
  token: string;
  expiresAt: Date;
}

export type LoginResult =
  | { kind: 'session'; user: PublicUser; session: IssuedSession }
  | { kind: 'mfa_required'; challenge: string; expiresAt: Date };

const asPrincipal = (u: { id: string; email: string; role: Role }): Principal => ({
  kind: 'user',
  userId: u.id,
  email: u.email,
  role: u.role,
  via: 'session',
});

export function createAuthService(deps: {
  db: Db;
  users: UsersService;
  audit: AuditService;
  sessions: SessionManager;
  mfa: MfaService;
  loginLockout: Lockout;
  clock: Clock;
  allowPublicRegistration: boolean;
  publicOrigin: string;
  passwordResetTtlSeconds: number;
}) {
  const { db, users, audit, sessions, mfa, loginLockout, clock } = deps;
  const repo = createAuthRepo();

  async function startSession(user: UserRow | UserAuthState, ctx: ActorContext, metadata: Record<string, unknown> = {}) {
    const session = await sessions.issue(user);
    await loginLockout.reset(user.email);
    await users.recordLogin(user.id);
    await audit.record({ action: 'auth.login', actor: asPrincipal(user), ip: ctx.ip, target: { type: 'user', id: user.id }, metadata });
    return session;
  }

  return {
    async login(input: { email: string; password: string } & MfaProof, ctx: ActorContext): Promise<LoginResult> {
      const email = users.normalizeEmail(input.email);
      const refuse = (reason: string) =>
        audit.record({ action: 'auth.login', actor: ctx.actor, ip: ctx.ip, outcome: 'failure', metadata: { reason, email } });
      try {
        await loginLockout.assertNotLocked(email);
      } catch (err) {
        await refuse('locked');
        throw err;
      }
      const user = await users.checkCredentials(email, input.password);
      if (!user || user.disabled) {
        const locked = await loginLockout.fail(email);
        await refuse(user ? 'disabled' : 'bad_credentials');
        if (locked) await audit.record({ action: 'auth.lockout', actor: null, ip: ctx.ip, outcome: 'failure', metadata: { email } });
        throw new UnauthorizedError('Wrong email or password', 'INVALID_CREDENTIALS');
      }
      if (await mfa.isEnabled(user.id)) {
        if (!input.code && !input.recoveryCode) {
          const c = await sessions.issueMfaChallenge(user);
          return { kind: 'mfa_required', challenge: c.token, expiresAt: c.expiresAt };
        }
        await mfa.verify(user.id, input, { ...ctx, actor: asPrincipal(user) });
        const session = await startSession(user, ctx, { mfa: true });
        return { kind: 'session', user: toPublicUser(user), session };
      }
      const session = await startSession(user, ctx);
      return { kind: 'session', user: toPublicUser(user), session };
    },

    /** Second step of an MFA login: the challenge from login() plus a code. */
    async completeMfaLogin(input: { challenge: string } & MfaProof, ctx: ActorContext) {
      const claims = await sessions.verifyMfaChallenge(input.challenge);
      const state = await users.getAuthState(claims.userId);
      if (!state || state.disabled || state.securityVersion !== claims.securityVersion) {
        throw new UnauthorizedError('Sign in again', 'INVALID_MFA_CHALLENGE');
      }
      await mfa.verify(state.id, input, { ...ctx, actor: asPrincipal(state) });
      const session = await startSession(state, ctx, { mfa: true });
      const user = await users.getById(state.id);
      return { user: user!, session };
    },

    /**
     * POST /api/auth/register. Admins create accounts of any role; anyone else only creates a
     * viewer, and only when public registration is on. Self-registration signs the new user in.
     */
    async register(
      input: { email: string; name: string; password: string; role?: Role },
      ctx: ActorContext,
    ): Promise<{ user: PublicUser; session: IssuedSession | null }> {
      const actor = ctx.actor;
      const isAdmin = !!actor && hasRole(actor, 'admin');
      if (!isAdmin && input.role && roleRank(input.role) > roleRank('viewer')) {
        await audit.record({
          action: 'user.create',
          actor,
          ip: ctx.ip,
          outcome: 'failure',
          metadata: { reason: 'role_escalation', email: users.normalizeEmail(input.email), requestedRole: input.role },
        });
        throw new ForbiddenError('Only an admin may create accounts with a role above viewer', 'ROLE_ESCALATION');
      }
      if (!isAdmin && !deps.allowPublicRegistration) {
        throw new ForbiddenError('Registration is by invitation: ask an admin to create your account', 'REGISTRATION_CLOSED');
      }
      const selfService = !isAdmin && (!actor || actor.kind === 'anonymous');
      const user = await users.create(
        { email: input.email, name: input.name, password: input.password, role: isAdmin ? (input.role ?? 'viewer') : 'viewer' },
        { ...ctx, action: selfService ? 'user.register' : 'user.create' },
      );
      if (!selfService) return { user, session: null };
      const state = await users.getAuthState(user.id);
      return { user, session: await startSession(state!, ctx, { registration: true }) };
    },

    /** Changes the caller's password; every other session ends. Returns a fresh session for this one. */
    async changePassword(userId: string, current: string, next: string, ctx: ActorContext): Promise<IssuedSession> {
      if (!(await users.checkPassword(userId, current))) {
        await audit.record({ action: 'user.password_change', actor: ctx.actor, ip: ctx.ip, outcome: 'failure', target: { type: 'user', id: userId }, metadata: { reason: 'bad_current_password' } });
        throw new BadRequestError('currentPassword: wrong password', 'INVALID_CURRENT_PASSWORD');
      }
      if (current === next) throw new BadRequestError('newPassword: must differ from the current password', 'VALIDATION_ERROR');
      const state = await users.setPassword(userId, next, { ...ctx, action: 'user.password_change' });
      return sessions.issue(state);
    },

    /** An admin issues a single-use link; the token is returned once and stored hashed. */
    async issuePasswordReset(userId: string, ctx: ActorContext): Promise<{ token: string; url: string; expiresAt: Date }> {
      const user = await users.getById(userId);
      if (!user) throw new NotFoundError('User not found', 'USER_NOT_FOUND');
      const token = randomBytes(32).toString('base64url');
      const expiresAt = new Date(clock.now().getTime() + deps.passwordResetTtlSeconds * 1000);
      await db.transaction(async (tx) => {
        await repo.insertResetToken(tx, { userId, tokenHash: sha256(token), expiresAt, createdBy: ctx.actor ? principalId(ctx.actor) : 'system' });
        await audit.record({ action: 'user.password_reset_issue', actor: ctx.actor, ip: ctx.ip, target: { type: 'user', id: userId }, metadata: { expiresAt: expiresAt.toISOString() } }, tx);
      });
      return { token, url: `${deps.publicOrigin}/reset-password?token=${token}`, expiresAt };
    },

    async resetPassword(token: string, password: string, ctx: ActorContext): Promise<void> {
      const state = await db.transaction(async (tx) => {
        const userId = await repo.consumeResetToken(tx, sha256(token), clock.now());
        if (!userId) return null;
        return users.setPassword(userId, password, { ...ctx, action: 'user.password_reset' }, tx);
      });
      if (!state) {
        await audit.record({ action: 'user.password_reset', actor: ctx.actor, ip: ctx.ip, outcome: 'failure', metadata: { reason: 'invalid_token' } });
        throw new BadRequestError('This reset link is invalid, used or expired; ask an admin for a new one', 'INVALID_RESET_TOKEN');
      }
      // setPassword ran inside this transaction; drop cached state again now that it committed.
      await users.invalidate(state.id);
      await loginLockout.reset(state.email);
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
