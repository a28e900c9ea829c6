// The client address per-IP limits key on (spec §4.1, HIVE_CLIENT_IP_SOURCE). Only trust what
// the operator's edge sets: real_ip reads X-Real-IP, xff_first / xff_last a hop of
// X-Forwarded-For, auto tries X-Client-Ip, the first XFF hop, then X-Real-IP. The socket
// address is the fallback.
import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';

export type ClientIpSource = 'auto' | 'real_ip' | 'xff_first' | 'xff_last';

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? v[0] : undefined;
}

const valid = (v: string | undefined) => (v && isIP(v.trim()) ? v.trim() : undefined);

function xff(request: FastifyRequest, which: 'first' | 'last'): string | undefined {
  const hops = (header(request, 'x-forwarded-for') ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  return valid(which === 'first' ? hops[0] : hops[hops.length - 1]);
}

export function clientIp(request: FastifyRequest, source: ClientIpSource): string {
  let ip: string | undefined;
  switch (source) {
    case 'real_ip':
      ip = valid(header(request, 'x-real-ip'));
      break;
    case 'xff_first':
      ip = xff(request, 'first');
      break;
    case 'xff_last':
      ip = xff(request, 'last');
      break;
    case 'auto':
      ip = valid(header(request, 'x-client-ip')) ?? xff(request, 'first') ?? valid(header(request, 'x-real-ip'));
      break;
  }
  return ip ?? request.ip ?? 'unknown';
}
