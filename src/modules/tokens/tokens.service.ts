// API tokens: `pilox_<43 chars base64url>` (32 random bytes). Shown once at creation; stored as
// SHA-256 plus a display prefix. A token acts with its own role, capped by its owner's current
// role, and stops working the moment its owner is disabled or deleted.
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import type { Db } from '../../lib/db/database.js';
import { BadRequestError, ForbiddenError, NotFoundError, UnauthorizedError } from '../../lib/errors.js';
import { createInvalidatingCache } from '../../lib/invalidating-cache.js';
import type { Kv } from '../../lib/kv/kv.js';
import type { Logger } from '../../lib/logger.js';
import type { Role } from '../../http/access.js';
import { roleRank, type Principal } from '../../http/principal.js';
import type { ActorContext, AuditService } from '../audit/audit.service.js';
import type { UsersService } from '../users/users.service.js';
import { createTokensRepo, type TokenWithOwner } from './tokens.repo.js';
import type { ApiTokenRow } from './tokens.tables.js';

export const TOKEN_PREFIX = 'pilox_';
const TOKEN_SHAPE = /^pilox_[A-Za-z0-9_-]{43}$/;
const DISPLAY_PREFIX_LENGTH = TOKEN_PREFIX.length + 6;
export const MAX_TOKENS_PER_USER = 100;
/** last_used_at is written at most this often per token (keeps authenticated requests cheap). */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface TokenView {
  id: string;
  userId: string;
  ownerEmail?: string;
  name: string;
  prefix: string;
  role: Role;
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
}

type CachedToken = { id: string; userId: string; role: Role; expiresAt: number | null };

export const hashToken = (secret: string) => createHash('sha256').update(secret).digest('hex');

function view(t: ApiTokenRow | TokenWithOwner): TokenView {
  return {
    id: t.id,
    userId: t.userId,
    ...('ownerEmail' in t ? { ownerEmail: t.ownerEmail } : {}),
    name: t.name,
    prefix: t.prefix,
    role: t.role,
    expiresAt: t.expiresAt?.toISOString() ?? null,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    createdAt: t.createdAt.toISOString(),
  };
}

const minRole = (a: Role, b: Role): Role => (roleRank(a) <= roleRank(b) ? a : b);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createTokensService(deps: {
  db: Db;
  kv: Kv;
  users: Pick<UsersService, 'getAuthState'>;
  audit: AuditService;
  clock: Clock;
  logger: Logger;
  cacheTtlMs?: number;
}) {
  const { db, users, audit, clock, logger } = deps;
  const repo = createTokensRepo();
  const cache = createInvalidatingCache<CachedToken>({
    kv: deps.kv,
    channel: 'hive:identity:tokens:invalidate',
    ttlMs: deps.cacheTtlMs ?? 30_000,
    logger,
  });
  const lastTouched = new Map<string, number>();

  function touch(id: string): void {
    const now = clock.now().getTime();
    const last = lastTouched.get(id);
    if (last !== undefined && now - last < LAST_USED_RESOLUTION_MS) return;
    if (lastTouched.size > 50_000) lastTouched.clear();
    lastTouched.set(id, now);
    repo
      .touch(db, id, new Date(now), new Date(now - LAST_USED_RESOLUTION_MS))
      .catch((err) => logger.warn({ err, tokenId: id }, 'could not record token use'));
  }

  return {
    /**
     * Creates a token for `ownerId`. The role defaults to the owner's and may not exceed it, nor
     * the role of the caller when the caller is itself a token.
     */
    async create(
      input: { ownerId: string; name: string; role?: Role; expiresAt?: Date | null },
      ctx: ActorContext,
    ): Promise<{ token: string; record: TokenView }> {
      const owner = await users.getAuthState(input.ownerId);
      if (!owner) throw new NotFoundError('User not found', 'USER_NOT_FOUND');
      if (owner.disabled) throw new BadRequestError('The owner account is disabled', 'USER_DISABLED');
      const role = input.role ?? owner.role;
      let ceiling = owner.role;
      if (ctx.actor && ctx.actor.kind !== 'anonymous') ceiling = minRole(ceiling, ctx.actor.role);
      if (roleRank(role) > roleRank(ceiling)) {
        await audit.record({
          action: 'token.create',
          actor: ctx.actor,
          ip: ctx.ip,
          outcome: 'failure',
          target: { type: 'user', id: owner.id },
          metadata: { reason: 'role_escalation', requestedRole: role, maxRole: ceiling },
        });
        throw new ForbiddenError(`A token cannot have a role above ${ceiling}`, 'ROLE_ESCALATION');
      }
      if (input.expiresAt && input.expiresAt.getTime() <= clock.now().getTime()) {
        throw new BadRequestError('expiresAt: must be in the future', 'VALIDATION_ERROR');
      }
      const secret = TOKEN_PREFIX + randomBytes(32).toString('base64url');
      const row = await db.transaction(async (tx) => {
        if ((await repo.countForUser(tx, owner.id)) >= MAX_TOKENS_PER_USER) {
          throw new BadRequestError(`A user may hold at most ${MAX_TOKENS_PER_USER} tokens`, 'TOO_MANY_TOKENS');
        }
        const r = await repo.insert(tx, {
          userId: owner.id,
          name: input.name.trim(),
          tokenHash: hashToken(secret),
          prefix: secret.slice(0, DISPLAY_PREFIX_LENGTH),
          role,
          expiresAt: input.expiresAt ?? null,
        });
        await audit.record(
          {
            action: 'token.create',
            actor: ctx.actor,
            ip: ctx.ip,
            target: { type: 'api_token', id: r.id },
            metadata: { ownerId: owner.id, name: r.name, role, prefix: r.prefix, expiresAt: r.expiresAt?.toISOString() ?? null },
          },
          tx,
        );
        return r;
      });
      return { token: secret, record: view(row) };
    },

    /** A user's tokens, or everyone's when `userId` is null (admins). */
    async list(userId: string | null, page: { limit: number; offset: number }): Promise<TokenView[]> {
      return (await repo.list(db, userId, page.limit, page.offset)).map(view);
    },

    /** Deletes a token; `ownerId` restricts it to that owner's tokens (another's is a 404). */
    async delete(id: string, ownerId: string | null, ctx: ActorContext): Promise<void> {
      const row = await db.transaction(async (tx) => {
        const existing = UUID.test(id) ? await repo.byId(tx, id) : null;
        if (!existing || (ownerId !== null && existing.userId !== ownerId)) {
          throw new NotFoundError('Token not found', 'TOKEN_NOT_FOUND');
        }
        await repo.delete(tx, id);
        await audit.record(
          {
            action: 'token.delete',
            actor: ctx.actor,
            ip: ctx.ip,
            target: { type: 'api_token', id },
            metadata: { ownerId: existing.userId, name: existing.name, prefix: existing.prefix },
          },
          tx,
        );
        return existing;
      });
      lastTouched.delete(id);
      await cache.invalidate(row.tokenHash);
    },

    /** Resolves a presented `pilox_…` secret; throws 401 when it is not a live token. */
    async authenticate(secret: string): Promise<Principal> {
      if (!TOKEN_SHAPE.test(secret)) throw new UnauthorizedError('Invalid API token', 'INVALID_TOKEN');
      const tokenHash = hashToken(secret);
      const token = await cache.get(tokenHash, async () => {
        const r = await repo.byHash(db, tokenHash);
        return r ? { id: r.id, userId: r.userId, role: r.role, expiresAt: r.expiresAt?.getTime() ?? null } : null;
      });
      if (!token) throw new UnauthorizedError('Invalid API token', 'INVALID_TOKEN');
      if (token.expiresAt !== null && token.expiresAt <= clock.now().getTime()) {
        throw new UnauthorizedError('API token expired', 'TOKEN_EXPIRED');
      }
      const owner = await users.getAuthState(token.userId);
      if (!owner || owner.disabled) throw new UnauthorizedError('Invalid API token', 'INVALID_TOKEN');
      touch(token.id);
      return { kind: 'user', userId: owner.id, email: owner.email, role: minRole(token.role, owner.role), via: 'token', tokenId: token.id };
    },

    start: () => cache.start(),
    stop: () => cache.stop(),
  };
}

export type TokensService = ReturnType<typeof createTokensService>;
