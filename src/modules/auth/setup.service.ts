// First admin (spec §5). Exactly one POST /api/setup can succeed: it requires HIVE_SETUP_TOKEN,
// or, when none is configured, the one-time token generated at start (only its hash is kept, in
// the database, so any replica accepts the newest one). Afterwards setup answers 409.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../lib/db/database.js';
import { ConflictError, UnauthorizedError } from '../../lib/errors.js';
import { secretEquals } from '../../http/plugins/access-control.js';
import type { ActorContext, AuditService } from '../audit/audit.service.js';
import type { PublicUser, UsersService } from '../users/users.service.js';
import { createAuthRepo } from './auth.repo.js';
import type { SessionManager } from './session.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function createSetupService(deps: {
  db: Db;
  users: Pick<UsersService, 'adminExists' | 'create' | 'lockAdminSet' | 'getAuthState'>;
  sessions: Pick<SessionManager, 'issue'>;
  audit: AuditService;
  configuredToken: string | undefined;
}) {
  const { db, users, audit } = deps;
  const repo = createAuthRepo();

  async function tokenMatches(presented: string | null): Promise<boolean> {
    if (deps.configuredToken) return presented !== null && secretEquals(presented, deps.configuredToken);
    const stored = await repo.setupTokenHash(db);
    // Hash the presented value even when nothing is stored, so timing says nothing.
    const h = sha256(presented ?? '');
    return stored !== null && presented !== null && secretEquals(h, stored);
  }

  return {
    /** The token is always required; `tokenSource` tells the wizard where the operator finds it. */
    async status(): Promise<{ adminExists: boolean; setupTokenRequired: true; tokenSource: 'HIVE_SETUP_TOKEN' | 'startup_log' }> {
      return {
        adminExists: await users.adminExists(),
        setupTokenRequired: true,
        tokenSource: deps.configuredToken ? 'HIVE_SETUP_TOKEN' : 'startup_log',
      };
    },

    /**
     * Called when the server starts: returns the one-time token to print, or null when setup is
     * done or HIVE_SETUP_TOKEN is configured. Each call replaces the previous token.
     */
    async prepareOneTimeToken(): Promise<string | null> {
      if (await users.adminExists()) {
        await repo.deleteSetupToken(db);
        return null;
      }
      if (deps.configuredToken) return null;
      const token = randomBytes(24).toString('base64url');
      await repo.replaceSetupToken(db, sha256(token));
      return token;
    },

    async createFirstAdmin(
      input: { email: string; name: string; password: string },
      presentedToken: string | null,
      ctx: ActorContext,
    ): Promise<{ user: PublicUser; session: { token: string; expiresAt: Date } }> {
      const refuse = async (reason: string) =>
        audit.record({ action: 'setup.complete', actor: ctx.actor, ip: ctx.ip, outcome: 'failure', metadata: { reason, email: input.email } });
      if (await users.adminExists()) {
        await refuse('admin_exists');
        throw new ConflictError('Setup is already complete: an admin exists', 'SETUP_ALREADY_COMPLETE');
      }
      if (!(await tokenMatches(presentedToken))) {
        await refuse(presentedToken ? 'bad_token' : 'missing_token');
        throw new UnauthorizedError(
          presentedToken ? 'Invalid setup token' : 'Setup token required (Authorization: Bearer … or X-Hive-Setup-Token)',
          'SETUP_TOKEN_INVALID',
        );
      }
      const created = await db.transaction(async (tx) => {
        // Two concurrent setups: the second waits here, then sees the first admin.
        await users.lockAdminSet(tx);
        if (await users.adminExists(tx)) return null;
        await repo.deleteSetupToken(tx);
        return users.create({ ...input, role: 'admin' }, { ...ctx, action: 'setup.complete' }, tx);
      });
      if (!created) {
        await refuse('admin_exists');
        throw new ConflictError('Setup is already complete: an admin exists', 'SETUP_ALREADY_COMPLETE');
      }
      const state = await users.getAuthState(created.id);
      return { user: created, session: await deps.sessions.issue(state!) };
    },
  };
}

export type SetupService = ReturnType<typeof createSetupService>;
