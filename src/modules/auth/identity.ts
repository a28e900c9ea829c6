// Builds the identity area (audit, users, tokens, sessions, MFA, setup) for the composition
// root, in one place so container.ts stays short.
import type { Config } from '../../config.js';
import { publicOrigin } from '../../config.js';
import type { Clock } from '../../lib/clock.js';
import type { Db } from '../../lib/db/database.js';
import type { JobQueue } from '../../lib/jobs/job-queue.js';
import type { Kv } from '../../lib/kv/kv.js';
import type { Logger } from '../../lib/logger.js';
import type { Authenticator } from '../../http/plugins/access-control.js';
import { registerAuditRetention } from '../audit/audit-retention.js';
import { createAuditService } from '../audit/audit.service.js';
import { createTokensService } from '../tokens/tokens.service.js';
import { createUsersService } from '../users/users.service.js';
import { createAuthService } from './auth.service.js';
import { apiTokenAuthenticator, sessionAuthenticator } from './authenticators.js';
import { createLockout } from './lockout.js';
import { createMfaService } from './mfa.service.js';
import { createSecretBox } from './secret-box.js';
import { createSessionManager } from './session.js';
import { createSetupService } from './setup.service.js';

export async function createIdentity(deps: { config: Config; db: Db; kv: Kv; jobs: JobQueue; clock: Clock; logger: Logger }) {
  const { config, db, kv, jobs, clock } = deps;
  const logger = deps.logger.child({ component: 'identity' });
  const origin = publicOrigin(config);
  const audit = createAuditService({ db, clock, logger });
  const users = createUsersService({ db, kv, audit, clock, logger });
  const tokens = createTokensService({ db, kv, users, audit, clock, logger });
  const sessions = createSessionManager({
    secret: config.AUTH_SECRET,
    ttlSeconds: config.SESSION_TTL_SECONDS,
    secureCookie: origin.startsWith('https:'),
    clock,
  });
  const lockoutOpts = { kv, maxFailures: config.AUTH_LOCKOUT_MAX_FAILURES, lockoutMs: config.AUTH_LOCKOUT_SECONDS * 1000 };
  const loginLockout = createLockout({
    ...lockoutOpts,
    name: 'login',
    code: 'ACCOUNT_LOCKED',
    message: 'Too many failed sign-ins; the account is locked for a while',
  });
  const mfaLockout = createLockout({ ...lockoutOpts, name: 'mfa', code: 'MFA_LOCKED', message: 'Too many wrong codes; MFA is locked for a while' });
  const mfa = createMfaService({
    db,
    kv,
    audit,
    box: createSecretBox(config.ENCRYPTION_KEY),
    clock,
    lockout: mfaLockout,
    issuer: `Pilox (${new URL(origin).host})`,
  });
  const auth = createAuthService({
    db,
    users,
    audit,
    sessions,
    mfa,
    loginLockout,
    clock,
    allowPublicRegistration: config.ALLOW_PUBLIC_REGISTRATION,
    publicOrigin: origin,
    passwordResetTtlSeconds: config.PASSWORD_RESET_TTL_SECONDS,
  });
  const setup = createSetupService({ db, users, audit, sessions, configuredToken: config.HIVE_SETUP_TOKEN });
  registerAuditRetention({ jobs, audit, retentionDays: config.AUDIT_RETENTION_DAYS, clock, logger });

  // API tokens and sessions first; the foundation appends the internal-token authenticator.
  const authenticators: Authenticator[] = [apiTokenAuthenticator(tokens), sessionAuthenticator({ sessions, users })];

  await users.start();
  await tokens.start();

  return {
    audit,
    users,
    tokens,
    sessions,
    mfa,
    auth,
    setup,
    authenticators,
    /** For users routes: admin actions implemented by auth. */
    userAdminActions: {
      issuePasswordReset: auth.issuePasswordReset,
      resetMfa: (userId: string, ctx: Parameters<typeof mfa.disable>[1]) => mfa.disable(userId, { ...ctx, action: 'auth.mfa.admin_reset' }),
    },
    /** The lines `pilox start` prints: the one-time setup token when the instance has no admin yet. */
    async startupNotices(): Promise<string[]> {
      const token = await setup.prepareOneTimeToken();
      if (!token) return [];
      return [
        `  setup token: ${token}`,
        `    (one-time; needed to create the first admin at ${origin}/setup or POST /api/setup with X-Hive-Setup-Token)`,
      ];
    },
    async stop() {
      await tokens.stop();
      await users.stop();
    },
  };
}

export type Identity = Awaited<ReturnType<typeof createIdentity>>;
