// The client address used by rate limits, allowlists and audit, per HIVE_CLIENT_IP_SOURCE
// (spec §4.1). Headers are only as trustworthy as the proxy that sets them: `real_ip` trusts
// X-Real-IP alone (the edge must overwrite it), `xff_first`/`xff_last` one end of
// X-Forwarded-For, `auto` X-Client-Ip, then the first X-Forwarded-For hop, then X-Real-IP.
// A missing or malformed header falls back to the socket address, never to a guess.
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';

export type ClientIpSource = Config['HIVE_CLIENT_IP_SOURCE'];

declare module 'fastify' {
  interface FastifyRequest {
    /** Resolved on first read (public routes that never ask pay nothing). */
    readonly clientIp: string;
  }
}

/** A bare, valid IP from one header value (drops a port, brackets and the IPv4-mapped prefix). */
export function parseIp(value: string | undefined): string | null {
  if (!value) return null;
  let v = value.trim();
  if (v.length === 0 || v.length > 64) return null;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(v);
  if (bracketed) v = bracketed[1]!;
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(v)) v = v.slice(0, v.lastIndexOf(':'));
  if (v.toLowerCase().startsWith('::ffff:') && isIP(v.slice(7)) === 4) v = v.slice(7);
  return isIP(v) ? v.toLowerCase() : null;
}

function header(h: FastifyRequest['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function forwardedHop(h: FastifyRequest['headers'], which: 'first' | 'last'): string | null {
  const raw = h['x-forwarded-for'];
  // Several X-Forwarded-For headers are one list, in order.
  const joined = Array.isArray(raw) ? raw.join(',') : raw;
  if (!joined) return null;
  const hops = joined.split(',');
  return parseIp(which === 'first' ? hops[0] : hops[hops.length - 1]);
}

export function resolveClientIp(headers: FastifyRequest['headers'], socketAddress: string | undefined, source: ClientIpSource): string {
  let ip: string | null = null;
  switch (source) {
    case 'real_ip':
      ip = parseIp(header(headers, 'x-real-ip'));
      break;
    case 'xff_first':
      ip = forwardedHop(headers, 'first');
      break;
    case 'xff_last':
      ip = forwardedHop(headers, 'last');
      break;
    case 'auto':
      ip = parseIp(header(headers, 'x-client-ip')) ?? forwardedHop(headers, 'first') ?? parseIp(header(headers, 'x-real-ip'));
      break;
  }
  return ip ?? parseIp(socketAddress) ?? 'unknown';
}

export function registerClientIp(app: FastifyInstance, source: ClientIpSource): void {
  app.decorateRequest('clientIp', {
    getter(this: FastifyRequest) {
      return resolveClientIp(this.headers, this.raw.socket?.remoteAddress, source);
    },
  });
}
