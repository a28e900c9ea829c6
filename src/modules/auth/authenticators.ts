// The identity authenticators in the access-control chain (http/plugins/access-control.ts).
import type { FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../../lib/errors.js';
import type { Authenticator } from '../../http/plugins/access-control.js';
import { bearerToken } from '../../http/plugins/access-control.js';
import type { Principal } from '../../http/principal.js';
import type { TokensService } from '../tokens/tokens.service.js';
import { TOKEN_PREFIX } from '../tokens/tokens.service.js';
import type { UsersService } from '../users/users.service.js';
import { SESSION_COOKIE, readCookie, type SessionManager } from './session.js';

/** Routes that answer anonymous callers: a stale cookie there must not block (e.g. logging in again). */
function isOpenRoute(request: FastifyRequest): boolean {
  const access = request.routeOptions.config?.access;
  return access === 'public' || access === 'custom' || access === undefined;
}

/** `Authorization: Bearer pilox_…`: an API token. Other bearer values are left to the next authenticator. */
export function apiTokenAuthenticator(tokens: Pick<TokensService, 'authenticate'>): Authenticator {
  return async (request) => {
    const token = bearerToken(request);
    if (token === null || !token.startsWith(TOKEN_PREFIX)) return null;
    return tokens.authenticate(token);
  };
}

/**
 * The `pilox_session` cookie, when no Authorization header is sent (an explicit bearer
 * credential wins). On role routes an invalid, expired or revoked session is a 401.
 */
export function sessionAuthenticator(deps: { sessions: SessionManager; users: Pick<UsersService, 'getAuthState'> }): Authenticator {
  return async (request) => {
    if (request.headers.authorization) return null;
    const raw = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (raw === null) return null;
    try {
      const claims = await deps.sessions.verify(raw);
      const user = await deps.users.getAuthState(claims.userId);
      if (!user || user.disabled || user.securityVersion !== claims.securityVersion) {
        throw new UnauthorizedError('Session revoked; sign in again', 'SESSION_REVOKED');
      }
      const principal: Principal = { kind: 'user', userId: user.id, email: user.email, role: user.role, via: 'session' };
      return principal;
    } catch (err) {
      if (err instanceof UnauthorizedError && isOpenRoute(request)) return { kind: 'anonymous' };
      throw err;
    }
  };
}
