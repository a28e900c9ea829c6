// Failure counters in Kv (shared by replicas): after `maxFailures` failures within the window
// the subject is locked for `lockoutMs`. Used for password logins (per account, whether or not
// it exists, so a lock reveals nothing) and for MFA codes (per user).
import { createHash } from 'node:crypto';
import type { Kv } from '../../lib/kv/kv.js';
import { RateLimitedError } from '../../lib/errors.js';

export function createLockout(deps: { kv: Kv; name: string; maxFailures: number; lockoutMs: number; code: string; message: string }) {
  const key = (subject: string) => `hive:lockout:${deps.name}:${createHash('sha256').update(subject).digest('base64url')}`;
  return {
    /** Throws 429 with Retry-After while locked. */
    async assertNotLocked(subject: string): Promise<void> {
      const k = key(subject);
      const n = Number((await deps.kv.get(k)) ?? 0);
      if (n >= deps.maxFailures) {
        const ttl = await deps.kv.pttl(k);
        throw new RateLimitedError(Math.max(1, Math.ceil((ttl > 0 ? ttl : deps.lockoutMs) / 1000)), deps.message, deps.code);
      }
    },
    /** Counts a failure; returns true when this failure locked the subject. */
    async fail(subject: string): Promise<boolean> {
      const k = key(subject);
      const n = await deps.kv.incr(k, { ttlMs: deps.lockoutMs });
      if (n === deps.maxFailures) {
        await deps.kv.expire(k, deps.lockoutMs);
        return true;
      }
      return false;
    },
    async reset(subject: string): Promise<void> {
      await deps.kv.del(key(subject));
    },
  };
}

export type Lockout = ReturnType<typeof createLockout>;
