import type { FastifyRequest } from 'fastify';
import type { Principal } from './principal.js';

/** Who acts and from where, as services and the audit log want it. */
export function actorOf(request: FastifyRequest): { actor: Principal; ip: string } {
  return { actor: request.principal, ip: request.clientIp };
}
