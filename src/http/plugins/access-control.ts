// Resolves the caller through a chain of authenticators and enforces each route's declared
// access (see access.ts). Identity registers session and API-token authenticators; the
// foundation knows only HIVE_INTERNAL_TOKEN.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ForbiddenError, UnauthorizedError } from '../../lib/errors.js';
import type { Access } from '../access.js';
import { ANONYMOUS, hasRole, type Principal } from '../principal.js';

/**
 * Returns a principal when this authenticator recognises the request's credentials, null when
 * they are not its kind (the next one is tried), and throws UnauthorizedError when they are its
 * kind but invalid (a bad token must not fall through to anonymous).
 */
export type Authenticator = (request: FastifyRequest) => Promise<Principal | null>;

export function bearerToken(request: FastifyRequest): string | null {
  const h = request.headers.authorization;
  if (typeof h !== 'string') return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1]! : null;
}

/** Constant-time comparison of secrets of any length (hashes first, so lengths do not leak). */
export function secretEquals(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export function internalTokenAuthenticator(internalToken: string | undefined): Authenticator {
  return async (request) => {
    if (!internalToken) return null;
    const token = bearerToken(request);
    if (token === null || !secretEquals(token, internalToken)) return null;
    return { kind: 'internal', id: 'hive-internal', role: 'operator' };
  };
}

export function registerAccessControl(app: FastifyInstance, authenticators: Authenticator[]): void {
  app.decorateRequest('principal', null as never);
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config?.access as Access | undefined;
    // Public routes skip credential parsing entirely (keeps /api/health and the like cheap),
    // unless a credential is presented: then it is resolved so handlers may personalise.
    if (
      access === 'public' &&
      !request.headers.authorization &&
      !request.headers.cookie &&
      // A peer fetching our agent card with its federation JWT sees what federation may see.
      !request.headers['x-hive-federation-jwt'] &&
      !request.headers['x-hive-federation-secret']
    ) {
      request.principal = ANONYMOUS;
      return;
    }
    let principal: Principal = ANONYMOUS;
    for (const authenticate of authenticators) {
      const p = await authenticate(request);
      if (p) {
        principal = p;
        break;
      }
    }
    request.principal = principal;
    if (access === undefined || access === 'public' || access === 'custom') return;
    if (principal.kind === 'anonymous') throw new UnauthorizedError();
    if (!hasRole(principal, access)) throw new ForbiddenError(`Requires the ${access} role`, 'INSUFFICIENT_ROLE');
  });
}
