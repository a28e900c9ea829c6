// CSRF: a browser attaches the session cookie to cross-site requests too (SameSite=Lax still
// allows top-level POST navigations from some contexts and same-site subdomains), so every
// state-changing request authenticated by the cookie must come from a page of AUTH_URL's
// origin. Bearer-token requests carry no ambient credential and are exempt.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ForbiddenError } from '../../lib/errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The origin the browser says the request comes from: Origin, else Referer's origin. */
export function requestOrigin(request: FastifyRequest): string | null {
  const origin = request.headers.origin;
  if (typeof origin === 'string' && origin !== 'null') return origin;
  const referer = request.headers.referer;
  if (typeof referer !== 'string') return null;
  try {
    return new URL(referer).origin;
  } catch {
    return null;
  }
}

const SIGN_IN_PREFIXES = ['/api/auth/', '/api/setup'];

export function registerCsrfProtection(app: FastifyInstance, opts: { origin: string }): void {
  app.addHook('onRequest', async (request) => {
    if (SAFE_METHODS.has(request.method)) return;
    const p = request.principal;
    if (p?.kind === 'anonymous') {
      const origin = request.headers.origin;
      if (typeof origin === 'string' && origin !== opts.origin && SIGN_IN_PREFIXES.some((x) => request.url.startsWith(x))) {
        throw new ForbiddenError(`Cross-site request refused (origin ${origin.slice(0, 200)})`, 'CSRF_ORIGIN_MISMATCH');
      }
      return;
    }
    if (p?.kind !== 'user' || p.via !== 'session') return;
    const from = requestOrigin(request);
    if (from !== opts.origin) {
      throw new ForbiddenError(
        from ? `Cross-site request refused (origin ${from.slice(0, 200)})` : 'Cross-site request refused: Origin header missing',
        'CSRF_ORIGIN_MISMATCH',
      );
    }
  });
}
