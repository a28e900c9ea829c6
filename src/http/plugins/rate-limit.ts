// Rate limits stored in Kv, so every replica counts against the same budget.
// - rateLimit(): a preHandler for sensitive endpoints (login, setup, register …): an exact
//   sliding window (`hive:rl:<name>:<key>`).
// - registerApiRateLimit(): the general per-user budget for authenticated API calls. It runs on
//   every authenticated request, so it uses the two-counter sliding-window approximation (O(1)
//   per request) instead of an exact log, whose cost grows with the budget.
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Kv } from '../../lib/kv/kv.js';
import { RateLimitedError } from '../../lib/errors.js';

export interface RateLimitOptions {
  kv: Kv;
  /** Part of the key: `hive:rl:<name>:<key>`. */
  name: string;
  max: number;
  windowMs: number;
  key: (request: FastifyRequest) => string;
}

export function rateLimit(opts: RateLimitOptions): preHandlerAsyncHookHandler {
  return async (request, reply) => {
    const r = await opts.kv.slidingWindow(`hive:rl:${opts.name}:${opts.key(request)}`, opts.max, opts.windowMs);
    reply.header('ratelimit-limit', String(opts.max));
    reply.header('ratelimit-remaining', String(Math.max(0, opts.max - r.count)));
    if (!r.allowed) throw new RateLimitedError(Math.max(1, Math.ceil(r.retryAfterMs / 1000)));
  };
}

/** Limits each authenticated user (session or API token); 0 disables. Internal and federated callers are limited elsewhere. */
export function registerApiRateLimit(app: FastifyInstance, opts: { kv: Kv; max: number; windowMs: number }): void {
  if (opts.max <= 0) return;
  const { kv, max, windowMs } = opts;
  app.addHook('onRequest', async (request) => {
    const p = request.principal;
    if (p?.kind !== 'user') return;
    const now = Date.now();
    const window = Math.floor(now / windowMs);
    const base = `hive:rl:api:${p.userId}:`;
    const [current, previous] = await Promise.all([
      kv.incr(base + window, { ttlMs: windowMs * 2 }),
      kv.get(base + (window - 1)),
    ]);
    const elapsed = (now - window * windowMs) / windowMs;
    const estimate = Number(previous ?? 0) * (1 - elapsed) + current;
    if (estimate > max) throw new RateLimitedError(Math.max(1, Math.ceil(((window + 1) * windowMs - now) / 1000)));
  });
}
