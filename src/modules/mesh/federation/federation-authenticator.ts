// Inbound federation (spec §10, §11): a request carrying X-Hive-Federation-JWT (or, when
// allowed, the legacy X-Hive-Federation-Secret) authenticates as the peer — and only as the
// peer: this authenticator runs first and throws on any problem, so a bad federation header
// never falls back to a Bearer token or session sent alongside it.
import type { FastifyRequest } from 'fastify';
import { secretEquals, type Authenticator } from '../../../http/plugins/access-control.js';
import { BadRequestError, ForbiddenError, RateLimitedError, ServiceUnavailableError, UnauthorizedError } from '../../../lib/errors.js';
import type { Kv } from '../../../lib/kv/kv.js';
import type { FederationSettings } from './federation-config.js';
import type { FederationJwt } from './federation-jwt.js';

export const FEDERATION_JWT_HEADER = 'x-hive-federation-jwt';
export const FEDERATION_SECRET_HEADER = 'x-hive-federation-secret';
/** Principal origin of callers authenticated by the legacy shared-secret header (no issuer claim). */
export const LEGACY_PEER_ORIGIN = 'legacy-secret';

/** Where a peer may act: the A2A surface (cards and JSON-RPC), nothing of the management API. */
const FEDERATED_ROUTES = new Set([
  '/api/a2a/jsonrpc',
  '/a2a/agents/:slug',
  '/.well-known/agent-card.json',
  '/a2a/agents/:slug/.well-known/agent-card.json',
]);

export function hasFederationCredentials(request: Pick<FastifyRequest, 'headers'>): boolean {
  return request.headers[FEDERATION_JWT_HEADER] !== undefined || request.headers[FEDERATION_SECRET_HEADER] !== undefined;
}

export function federationAuthenticator(deps: { settings: FederationSettings; jwt: FederationJwt; kv: Kv }): Authenticator {
  const { settings, jwt, kv } = deps;
  return async (request) => {
    const token = request.headers[FEDERATION_JWT_HEADER];
    const secret = request.headers[FEDERATION_SECRET_HEADER];
    if (token === undefined && secret === undefined) return null;
    if (token !== undefined && secret !== undefined) {
      throw new BadRequestError('Send X-Hive-Federation-JWT or X-Hive-Federation-Secret, not both', 'FEDERATION_AMBIGUOUS_CREDENTIALS');
    }
    if (Array.isArray(token) || Array.isArray(secret)) {
      throw new BadRequestError('The federation header may appear once', 'FEDERATION_AMBIGUOUS_CREDENTIALS');
    }
    if (!settings.enabled) throw new UnauthorizedError('Federation is not enabled on this instance', 'FEDERATION_DISABLED');
    if (!FEDERATED_ROUTES.has(request.routeOptions.url ?? '')) {
      throw new UnauthorizedError('Federation credentials are only accepted on A2A endpoints', 'FEDERATION_NOT_ACCEPTED_HERE');
    }
    // HIVE_CLIENT_IP_SOURCE decides which address this is (spec §4.1: the edge must set it).
    const ip = request.clientIp;
    if (settings.inboundAllowlist && !settings.inboundAllowlist(ip)) {
      throw new ForbiddenError('This address may not federate with this instance', 'FEDERATION_IP_NOT_ALLOWED');
    }
    // Per-address window before any signature work: bounds guessing and verification cost.
    // Calls that pass are limited again per peer by the A2A caller policy.
    let window;
    try {
      window = await kv.slidingWindow(`hive:rl:mesh_federation_ip:${ip}`, settings.rateLimit.max, settings.rateLimit.windowMs);
    } catch {
      throw new ServiceUnavailableError('Federation rate limiting is unavailable', 'FEDERATION_RATE_LIMIT_UNAVAILABLE');
    }
    if (!window.allowed) throw new RateLimitedError(Math.max(1, Math.ceil(window.retryAfterMs / 1000)));

    if (secret !== undefined) {
      if (!settings.allowLegacySecret) {
        throw new UnauthorizedError('X-Hive-Federation-Secret is not accepted; send X-Hive-Federation-JWT', 'FEDERATION_LEGACY_SECRET_DISABLED');
      }
      if (!settings.sharedSecret || !secretEquals(secret, settings.sharedSecret)) {
        throw new UnauthorizedError('Invalid federation secret', 'FEDERATION_SECRET_INVALID');
      }
      return { kind: 'federation', peerOrigin: LEGACY_PEER_ORIGIN, role: settings.role };
    }
    const verified = await jwt.verify(token!);
    return { kind: 'federation', peerOrigin: verified.peer.origin, role: settings.role };
  };
}
