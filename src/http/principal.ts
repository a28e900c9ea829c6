// Who is calling. Resolved once per request by the authenticator chain; routes and services
// read `request.principal` and never parse credentials themselves.
import { ROLES, type Role } from './access.js';

export type Principal =
  | {
      kind: 'user';
      userId: string;
      email: string;
      role: Role;
      /** How the user authenticated: a session cookie (CSRF-checked) or a bearer API token. */
      via: 'session' | 'token';
      tokenId?: string;
    }
  /** HIVE_INTERNAL_TOKEN: machine-to-machine, acts as an operator (spec §10: `hive-internal`). */
  | { kind: 'internal'; id: 'hive-internal'; role: 'operator' }
  /** A peer Pilox instance authenticated by the federation JWT (mesh). */
  | { kind: 'federation'; peerOrigin: string; role: Role }
  | { kind: 'anonymous' };

export const ANONYMOUS: Principal = { kind: 'anonymous' };

export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

export function hasRole(p: Principal, min: Role): boolean {
  return p.kind !== 'anonymous' && roleRank(p.role) >= roleRank(min);
}

/** The identity A2A and audit records use (spec §10: users.id, else email; internal → hive-internal). */
export function principalId(p: Principal): string {
  switch (p.kind) {
    case 'user':
      return p.userId;
    case 'internal':
      return 'hive-internal';
    case 'federation':
      return `federation:${p.peerOrigin}`;
    case 'anonymous':
      return 'anonymous';
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}
