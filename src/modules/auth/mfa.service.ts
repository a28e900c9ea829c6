// TOTP second factor (RFC 6238 via otpauth): 6 digits, 30 s steps, ±1 step accepted. Each
// accepted step is remembered in Kv for the user, so a code cannot be replayed within its
// validity; failures lock MFA for the user (lockout.ts). Ten single-use recovery codes are
// issued at confirmation, stored hashed.
import { createHash, randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { Clock } from '../../lib/clock.js';
import type { Db } from '../../lib/db/database.js';
import { BadRequestError, ConflictError, UnauthorizedError } from '../../lib/errors.js';
import type { Kv } from '../../lib/kv/kv.js';
import type { ActorContext, AuditService } from '../audit/audit.service.js';
import { createAuthRepo } from './auth.repo.js';
import type { Lockout } from './lockout.js';
import type { SecretBox } from './secret-box.js';

const PERIOD = 30;
const RECOVERY_CODES = 10;
const RECOVERY_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const normalizeRecovery = (code: string) => code.toLowerCase().replace(/[^a-z0-9]/g, '');

function newRecoveryCode(): string {
  let s = '';
  for (let i = 0; i < 10; i++) s += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
  return `${s.slice(0, 5)}-${s.slice(5)}`;
}

export interface MfaProof {
  code?: string;
  recoveryCode?: string;
}

export function createMfaService(deps: {
  db: Db;
  kv: Kv;
  audit: AuditService;
  box: SecretBox;
  clock: Clock;
  lockout: Lockout;
  issuer: string;
}) {
  const { db, kv, audit, box, clock, lockout } = deps;
  const repo = createAuthRepo();

  function totpFor(secretBase32: string, label: string): TOTP {
    return new TOTP({ issuer: deps.issuer, label, algorithm: 'SHA1', digits: 6, period: PERIOD, secret: Secret.fromBase32(secretBase32) });
  }

  /** Checks a TOTP code and claims its time step; returns a failure reason or null. */
  async function checkTotp(userId: string, secretEnc: string, code: string): Promise<'invalid' | 'replayed' | null> {
    if (!/^\d{6}$/.test(code)) return 'invalid';
    const totp = totpFor(box.decrypt(secretEnc), userId);
    const timestamp = clock.now().getTime();
    const delta = totp.validate({ token: code, timestamp, window: 1 });
    if (delta === null) return 'invalid';
    const step = Math.floor(timestamp / 1000 / PERIOD) + delta;
    const fresh = await kv.set(`hive:mfa:used:${userId}:${step}`, '1', { nx: true, ttlMs: PERIOD * 4 * 1000 });
    return fresh ? null : 'replayed';
  }

  async function useRecoveryCode(userId: string, code: string): Promise<boolean> {
    const h = sha256(normalizeRecovery(code));
    return db.transaction(async (tx) => {
      const row = await repo.mfa(tx, userId, true);
      if (!row?.enabled || !row.recoveryCodeHashes.includes(h)) return false;
      await repo.setRecoveryCodes(tx, userId, row.recoveryCodeHashes.filter((x) => x !== h));
      return true;
    });
  }

  async function failed(userId: string, ctx: ActorContext, action: string, reason: string): Promise<never> {
    const locked = await lockout.fail(userId);
    await audit.record({ action, actor: ctx.actor, ip: ctx.ip, outcome: 'failure', target: { type: 'user', id: userId }, metadata: { reason, locked } });
    if (reason === 'replayed') throw new UnauthorizedError('This code was already used; wait for the next one', 'MFA_CODE_REPLAYED');
    throw new UnauthorizedError('Invalid authentication code', 'INVALID_MFA_CODE');
  }

  return {
    async isEnabled(userId: string): Promise<boolean> {
      return repo.mfaEnabled(db, userId);
    },

    async status(userId: string): Promise<{ enabled: boolean; pending: boolean; recoveryCodesRemaining: number }> {
      const row = await repo.mfa(db, userId);
      return { enabled: row?.enabled ?? false, pending: !!row && !row.enabled, recoveryCodesRemaining: row?.enabled ? row.recoveryCodeHashes.length : 0 };
    },

    /** Starts (or restarts) enrolment; MFA is not enforced until confirm(). */
    async beginSetup(user: { id: string; email: string }, ctx: ActorContext): Promise<{ secret: string; otpauthUrl: string }> {
      const existing = await repo.mfa(db, user.id);
      if (existing?.enabled) throw new ConflictError('MFA is already enabled; disable it first', 'MFA_ALREADY_ENABLED');
      const secret = new Secret({ size: 20 }).base32;
      await repo.upsertPendingMfa(db, user.id, box.encrypt(secret));
      await audit.record({ action: 'auth.mfa.setup', actor: ctx.actor, ip: ctx.ip, target: { type: 'user', id: user.id } });
      return { secret, otpauthUrl: totpFor(secret, user.email).toString() };
    },

    /** Proves the authenticator app has the secret; enables MFA and returns the recovery codes (shown once). */
    async confirm(userId: string, code: string, ctx: ActorContext): Promise<{ recoveryCodes: string[] }> {
      await lockout.assertNotLocked(userId);
      const row = await repo.mfa(db, userId);
      if (!row || row.enabled) throw new BadRequestError('No MFA enrolment is pending; start with POST /api/auth/mfa/setup', 'MFA_NOT_PENDING');
      const problem = await checkTotp(userId, row.secretEnc, code);
      if (problem) return failed(userId, ctx, 'auth.mfa.confirm', problem);
      const recoveryCodes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
      await db.transaction(async (tx) => {
        await repo.enableMfa(tx, userId, recoveryCodes.map((c) => sha256(normalizeRecovery(c))), clock.now());
        await audit.record({ action: 'auth.mfa.enable', actor: ctx.actor, ip: ctx.ip, target: { type: 'user', id: userId } }, tx);
      });
      await lockout.reset(userId);
      return { recoveryCodes };
    },

    /** Checks a second factor of a user with MFA enabled; throws 401/429 otherwise. */
    async verify(userId: string, proof: MfaProof, ctx: ActorContext): Promise<{ usedRecoveryCode: boolean }> {
      await lockout.assertNotLocked(userId);
      const row = await repo.mfa(db, userId);
      if (!row?.enabled) throw new BadRequestError('MFA is not enabled for this account', 'MFA_NOT_ENABLED');
      if (proof.code) {
        const problem = await checkTotp(userId, row.secretEnc, proof.code);
        if (problem) return failed(userId, ctx, 'auth.mfa.verify', problem);
      } else if (proof.recoveryCode) {
        if (!(await useRecoveryCode(userId, proof.recoveryCode))) return failed(userId, ctx, 'auth.mfa.verify', 'invalid_recovery_code');
        await audit.record({ action: 'auth.mfa.recovery_code_used', actor: ctx.actor, ip: ctx.ip, target: { type: 'user', id: userId } });
      } else {
        throw new BadRequestError('code: an authentication code or a recovery code is required', 'MFA_CODE_REQUIRED');
      }
      await lockout.reset(userId);
      return { usedRecoveryCode: !proof.code };
    },

    /** Removes MFA (the caller has re-verified the user, or is an admin resetting a lost device). */
    async disable(userId: string, ctx: ActorContext & { action?: string }): Promise<boolean> {
      return db.transaction(async (tx) => {
        const removed = await repo.deleteMfa(tx, userId);
        if (removed) await audit.record({ action: ctx.action ?? 'auth.mfa.disable', actor: ctx.actor, ip: ctx.ip, target: { type: 'user', id: userId } }, tx);
        return removed;
      });
    },
  };
}

export type MfaService = ReturnType<typeof createMfaService>;
