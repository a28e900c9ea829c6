// Every route states who may call it; a route that does not is refused at registration, so
// nothing ships without an access decision (the RBAC matrix test enumerates these).
import type { FastifyInstance } from 'fastify';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * - 'public': anyone.
 * - a Role: an authenticated principal with at least that role.
 * - 'custom': the route authenticates by its own means (signatures, federation JWT) and
 *   documents it; used sparingly.
 */
export type Access = 'public' | Role | 'custom';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
}

export interface RouteAccess {
  method: string;
  url: string;
  access: Access;
}

/** Records every route's access and refuses routes without one (except static assets). */
export function enforceAccessDeclarations(app: FastifyInstance, routes: RouteAccess[]): void {
  app.addHook('onRoute', (route) => {
    const access = (route.config as { access?: Access } | undefined)?.access;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!access) {
      if (route.url.startsWith('/api') || route.url.startsWith('/a2a') || route.url.startsWith('/.well-known')) {
        throw new Error(`route ${methods.join(',')} ${route.url} declares no access (config.access)`);
      }
      return;
    }
    for (const m of methods) if (m !== 'HEAD') routes.push({ method: m, url: route.url, access });
  });
}
