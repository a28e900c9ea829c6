// The app's side of `pilox gateway` (spec §4.1): with MESH_GATEWAY_INBOUND_SECRET set, a request
// carrying X-Pilox-Gateway-Secret must carry the right one (401 otherwise), and anonymous
// JSON-RPC — the traffic the gateway exists for — is only accepted when it came through the
// gateway, whose per-IP limits and client-address headers the app can then rely on.
// Authenticated callers (sessions, tokens, federation) may still call the app directly.
import type { FastifyInstance } from 'fastify';
import { secretEquals } from '../../http/plugins/access-control.js';
import { UnauthorizedError } from '../../lib/errors.js';
import { hasFederationCredentials } from './federation/federation-authenticator.js';

export const GATEWAY_SECRET_HEADER = 'x-pilox-gateway-secret';
const JSONRPC_ROUTES = new Set(['/api/a2a/jsonrpc', '/a2a/agents/:slug']);

export function registerGatewayCheck(app: FastifyInstance, secret: string | undefined): void {
  if (!secret) return;
  app.addHook('onRequest', async (request) => {
    const given = request.headers[GATEWAY_SECRET_HEADER];
    if (given !== undefined) {
      if (typeof given !== 'string' || !secretEquals(given, secret)) {
        throw new UnauthorizedError('Invalid gateway credentials', 'GATEWAY_SECRET_INVALID');
      }
      return;
    }
    if (request.method !== 'POST' || !JSONRPC_ROUTES.has(request.routeOptions.url ?? '')) return;
    if (request.headers.authorization || request.headers.cookie || hasFederationCredentials(request)) return;
    throw new UnauthorizedError('Anonymous JSON-RPC is served through the gateway only', 'GATEWAY_REQUIRED');
  });
}
