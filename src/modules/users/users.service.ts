// Accounts: the users table, password hashes, roles, disabling. Changes that affect access
// (password, role, disable) bump security_version, which revokes every session of the user.
import type { Clock } from '../../lib/clock.js';
import type { Db, DbOrTx } from '../../lib/db/database.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { createInvalidatingCache } from '../../lib/invalidating-cache.js';
import type { Kv } from '../../lib/kv/kv.js';
import type { Logger } from '../../lib/logger.js';
import type { Role } from '../../http/access.js';
import type { ActorContext, AuditService } from '../audit/audit.service.js';
import { hashPassword, verifyDummyPassword, verifyPassword } from './passwords.js';
import { createUsersRepo } from './users.repo.js';
import type { UserRow } from './users.tables.js';

export interface PublicUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  lastLoginAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What authentication needs on every request; cached (see invalidating-cache.ts). */
export interface UserAuthState {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  securityVersion: number;
}

export function toPublicUser(u: UserRow): PublicUser {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    disabled: u.disabled,
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
  };
}

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createUsersService(deps: { db: Db; kv: Kv; audit: AuditService; clock: Clock; logger: Logger; cacheTtlMs?: number }) {
  const { db, audit, clock } = deps;
  const repo = createUsersRepo();
  const cache = createInvalidatingCache<UserAuthState>({
    kv: deps.kv,
    channel: 'hive:identity:users:invalidate',
    ttlMs: deps.cacheTtlMs ?? 10_000,
    logger: deps.logger,
  });

  async function mustGet(tx: DbOrTx, id: string): Promise<UserRow> {
    const row = UUID.test(id) ? await repo.byId(tx, id) : null;
    if (!row) throw new NotFoundError('User not found', 'USER_NOT_FOUND');
    return row;
  }

  /** Refuses a change that would leave no enabled admin. Call inside the transaction, after lockAdminSet. */
  async function assertKeepsAnAdmin(tx: DbOrTx, user: UserRow): Promise<void> {
    if (user.role !== 'admin' || user.disabled) return;
    if ((await repo.countActiveAdmins(tx, user.id)) === 0) {
      throw new ConflictError('This is the last enabled admin; promote another admin first', 'LAST_ADMIN');
    }
  }

  return {
    normalizeEmail,

    async getById(id: string): Promise<PublicUser | null> {
      if (!UUID.test(id)) return null;
      const row = await repo.byId(db, id);
      return row ? toPublicUser(row) : null;
    },

    async getByEmail(email: string): Promise<PublicUser | null> {
      const row = await repo.byEmail(db, normalizeEmail(email));
      return row ? toPublicUser(row) : null;
    },

    /** Cached; null when the user does not exist. Invalidated on every change made here. */
    async getAuthState(id: string): Promise<UserAuthState | null> {
      if (!UUID.test(id)) return null;
      return cache.get(id, async () => {
        const u = await repo.byId(db, id);
        return u
          ? { id: u.id, email: u.email, name: u.name, role: u.role, disabled: u.disabled, securityVersion: u.securityVersion }
          : null;
      });
    },

    async list(q: { search?: string; role?: Role; limit: number; offset: number }) {
      const { rows, total } = await repo.list(db, q);
      return { items: rows.map(toPublicUser), total };
    },

    async adminExists(tx: DbOrTx = db): Promise<boolean> {
      return repo.anyAdmin(tx);
    },

    async oldestAdmin(): Promise<PublicUser | null> {
      const row = await repo.oldestAdmin(db);
      return row ? toPublicUser(row) : null;
    },

    /** Serialises first-admin creation and admin demotions; call inside a transaction. */
    lockAdminSet: (tx: DbOrTx) => repo.lockAdminSet(tx),

    /** Creates an account; the caller decides who may create which role. */
    async create(
      input: { email: string; name: string; password: string; role: Role },
      ctx: ActorContext & { action?: string },
      tx?: DbOrTx,
    ): Promise<PublicUser> {
      const passwordHash = await hashPassword(input.password);
      const run = async (t: DbOrTx) => {
        const row = await repo.insert(t, {
          email: normalizeEmail(input.email),
          name: input.name.trim(),
          passwordHash,
          role: input.role,
        });
        if (!row) throw new ConflictError('An account with this email already exists', 'EMAIL_TAKEN');
        await audit.record(
          {
            action: ctx.action ?? 'user.create',
            actor: ctx.actor,
            ip: ctx.ip,
            target: { type: 'user', id: row.id },
            metadata: { email: row.email, role: row.role },
          },
          t,
        );
        return toPublicUser(row);
      };
      return tx ? run(tx) : db.transaction(run);
    },

    async update(id: string, patch: { name?: string; role?: Role; disabled?: boolean }, ctx: ActorContext): Promise<PublicUser> {
      const updated = await db.transaction(async (tx) => {
        const touchesAdmins = patch.role !== undefined || patch.disabled !== undefined;
        if (touchesAdmins) await repo.lockAdminSet(tx);
        const before = await mustGet(tx, id);
        const roleChanged = patch.role !== undefined && patch.role !== before.role;
        const disabledChanged = patch.disabled !== undefined && patch.disabled !== before.disabled;
        if ((roleChanged && patch.role !== 'admin') || (disabledChanged && patch.disabled)) await assertKeepsAnAdmin(tx, before);
        const after = await repo.update(
          tx,
          id,
          { name: patch.name?.trim(), role: patch.role, disabled: patch.disabled },
          roleChanged || disabledChanged,
        );
        if (!after) throw new NotFoundError('User not found', 'USER_NOT_FOUND');
        const base = { actor: ctx.actor, ip: ctx.ip, target: { type: 'user', id } };
        if (roleChanged) await audit.record({ ...base, action: 'user.role_change', metadata: { from: before.role, to: after.role } }, tx);
        if (disabledChanged) await audit.record({ ...base, action: after.disabled ? 'user.disable' : 'user.enable' }, tx);
        if (patch.name !== undefined && after.name !== before.name) {
          await audit.record({ ...base, action: 'user.update', metadata: { fields: ['name'] } }, tx);
        }
        return after;
      });
      await cache.invalidate(id);
      return toPublicUser(updated);
    },

    async delete(id: string, ctx: ActorContext): Promise<void> {
      await db.transaction(async (tx) => {
        await repo.lockAdminSet(tx);
        const user = await mustGet(tx, id);
        await assertKeepsAnAdmin(tx, user);
        await repo.delete(tx, id);
        await audit.record(
          { action: 'user.delete', actor: ctx.actor, ip: ctx.ip, target: { type: 'user', id }, metadata: { email: user.email, role: user.role } },
          tx,
        );
      });
      await cache.invalidate(id);
    },

    /**
     * Email + password check with equal cost whether or not the account exists. Returns the
     * row when the password matches (the caller decides what a disabled account means).
     */
    async checkCredentials(email: string, password: string): Promise<UserRow | null> {
      const row = await repo.byEmail(db, normalizeEmail(email));
      if (!row) return verifyDummyPassword(password).then(() => null);
      return (await verifyPassword(row.passwordHash, password)) ? row : null;
    },

    async checkPassword(id: string, password: string): Promise<boolean> {
      const row = UUID.test(id) ? await repo.byId(db, id) : null;
      if (!row) return verifyDummyPassword(password);
      return verifyPassword(row.passwordHash, password);
    },

    /** Sets a new password and revokes every session (security_version + 1). */
    async setPassword(id: string, password: string, ctx: ActorContext & { action: string }, tx?: DbOrTx): Promise<UserAuthState> {
      const passwordHash = await hashPassword(password);
      const run = async (t: DbOrTx) => {
        const row = await repo.update(t, id, { passwordHash }, true);
        if (!row) throw new NotFoundError('User not found', 'USER_NOT_FOUND');
        await audit.record({ action: ctx.action, actor: ctx.actor, ip: ctx.ip, target: { type: 'user', id } }, t);
        return row;
      };
      const row = tx ? await run(tx) : await db.transaction(run);
      await cache.invalidate(id);
      return { id: row.id, email: row.email, name: row.name, role: row.role, disabled: row.disabled, securityVersion: row.securityVersion };
    },

    /** Signs the user out everywhere. */
    async revokeSessions(id: string, ctx: ActorContext): Promise<UserAuthState> {
      const row = await db.transaction(async (tx) => {
        const r = await repo.update(tx, id, {}, true);
        if (!r) throw new NotFoundError('User not found', 'USER_NOT_FOUND');
        await audit.record({ action: 'auth.sessions_revoke', actor: ctx.actor, ip: ctx.ip, target: { type: 'user', id } }, tx);
        return r;
      });
      await cache.invalidate(id);
      return { id: row.id, email: row.email, name: row.name, role: row.role, disabled: row.disabled, securityVersion: row.securityVersion };
    },

    /** Billing (spec §2.1): the user's Stripe customer id (`cus_…`), or null. */
    async stripeCustomerId(id: string, tx: DbOrTx = db): Promise<string | null> {
      if (!UUID.test(id)) return null;
      return (await repo.byId(tx, id))?.stripeCustomerId ?? null;
    },

    /** Billing: the user whose users.stripe_customer_id is `customerId`, or null. */
    async idByStripeCustomerId(customerId: string, tx: DbOrTx = db): Promise<string | null> {
      return repo.idByStripeCustomerId(tx, customerId);
    },

    /** Billing: records the Stripe customer after Checkout; false when unchanged or owned by another user. */
    async setStripeCustomerId(id: string, customerId: string, tx: DbOrTx = db): Promise<boolean> {
      if (!UUID.test(id)) return false;
      return repo.setStripeCustomerId(tx, id, customerId);
    },

    /** Billing (many events at once): which of `ids` are existing users' ids. */
    async existingIds(ids: string[], tx: DbOrTx = db): Promise<Set<string>> {
      return new Set(await repo.existingIds(tx, [...new Set(ids.filter((id) => UUID.test(id)))]));
    },

    /** Billing (many events at once): Stripe customer id → user id, for those linked to a user. */
    async idsByStripeCustomerIds(customerIds: string[], tx: DbOrTx = db): Promise<Map<string, string>> {
      const rows = await repo.idsByStripeCustomerIds(tx, [...new Set(customerIds)]);
      return new Map(rows.map((r) => [r.customerId, r.id]));
    },

    /** Billing: whether `id` is an existing user's id (metadata.hive_user_id resolution). */
    async exists(id: string, tx: DbOrTx = db): Promise<boolean> {
      return UUID.test(id) && (await repo.byId(tx, id)) !== null;
    },

    async recordLogin(id: string): Promise<void> {
      await repo.touchLogin(db, id, clock.now());
    },

    /** Drops cached state after a change made outside this service (tests, other replicas). */
    invalidate: (id: string) => cache.invalidate(id),
    start: () => cache.start(),
    stop: () => cache.stop(),
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
