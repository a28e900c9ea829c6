// Who may call the JSON-RPC endpoints, and how often (spec §10): authenticated callers need
// A2A_JSONRPC_MIN_ROLE and share one sliding window per identity (A2A_RATE_LIMIT_*);
// anonymous callers may only use the allowlisted methods on public agents when
// A2A_PUBLIC_JSONRPC_ENABLED, limited per client IP under hive:rl:public_a2a. Federation
// principals (added by the mesh authenticator) are limited per peer (MESH_FEDERATION_RATE_LIMIT_*).
// Counters live in Kv, so every replica enforces the same window.
import type { Role } from '../../../http/access.js';
import { hasRole, principalId, type Principal } from '../../../http/principal.js';
import type { Kv } from '../../../lib/kv/kv.js';
import { canonicalMethod, CODES } from './jsonrpc-protocol.js';

export interface Window {
  max: number;
  windowMs: number;
}

export interface CallerPolicyConfig {
  minRole: Role;
  publicEnabled: boolean;
  publicMethods: string[];
  authenticated: Window;
  anonymous: Window;
  federation: Window;
}

export type Refusal = { status: 401 | 403 | 429; code: number; reason: string; message: string; retryAfterSeconds?: number };

export interface CallerPolicy {
  readonly publicMethods: ReadonlySet<string>;
  /** Null when the call may proceed. `method` may be of either protocol version. */
  check(principal: Principal, method: string, clientIp: string): Promise<Refusal | null>;
  /** Anonymous callers may ever reach an agent (public card / security requirements). */
  readonly anonymousAllowed: boolean;
}

/** Listing tasks would show every anonymous caller's tasks to every other: never anonymous. */
const NEVER_ANONYMOUS = new Set(['ListTasks']);

export function createCallerPolicy(deps: { kv: Kv; config: CallerPolicyConfig }): CallerPolicy {
  const { kv, config } = deps;
  const publicMethods = new Set(
    config.publicMethods
      .map((m) => canonicalMethod(m.trim()))
      .filter((m) => m !== '' && !NEVER_ANONYMOUS.has(m)),
  );

  async function limit(key: string, w: Window): Promise<Refusal | null> {
    const r = await kv.slidingWindow(key, w.max, w.windowMs);
    if (r.allowed) return null;
    return {
      status: 429,
      code: CODES.RATE_LIMITED,
      reason: 'RATE_LIMITED',
      message: 'Too many requests',
      retryAfterSeconds: Math.max(1, Math.ceil(r.retryAfterMs / 1000)),
    };
  }

  return {
    publicMethods,
    anonymousAllowed: config.publicEnabled && publicMethods.size > 0,
    async check(principal, method, clientIp) {
      if (principal.kind === 'anonymous') {
        if (!config.publicEnabled) {
          return { status: 401, code: CODES.UNAUTHENTICATED, reason: 'UNAUTHENTICATED', message: 'Authentication required' };
        }
        if (!publicMethods.has(canonicalMethod(method))) {
          return {
            status: 401,
            code: CODES.UNAUTHENTICATED,
            reason: 'UNAUTHENTICATED',
            message: `Authentication required for ${method.slice(0, 64)}`,
          };
        }
        return limit(`hive:rl:public_a2a:${clientIp}`, config.anonymous);
      }
      if (!hasRole(principal, config.minRole)) {
        return {
          status: 403,
          code: CODES.PERMISSION_DENIED,
          reason: 'PERMISSION_DENIED',
          message: `A2A calls require the ${config.minRole} role`,
        };
      }
      if (principal.kind === 'federation') return limit(`hive:rl:mesh_federation:${principal.peerOrigin}`, config.federation);
      return limit(`hive:rl:a2a:${principalId(principal)}`, config.authenticated);
    },
  };
}
