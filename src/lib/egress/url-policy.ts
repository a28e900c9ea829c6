// Checks made on the URL itself, before any connection: scheme, credentials, port, and IP
// literals (which never reach a DNS lookup). The connect-time check is in connector.ts.
import { isAllowlisted, type Allowlist } from './allowlist.js';
import { classifyAddress, isIpLiteral } from './address-policy.js';
import { EgressBlockedError } from './errors.js';

const MAX_URL_LENGTH = 8192;

export function parseEgressUrl(input: string | URL): URL {
  const text = typeof input === 'string' ? input : input.href;
  if (text.length > MAX_URL_LENGTH) throw new EgressBlockedError('invalid_url', { detail: `longer than ${MAX_URL_LENGTH} characters` });
  try {
    return new URL(text);
  } catch {
    throw new EgressBlockedError('invalid_url');
  }
}

export function defaultPort(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/** Bare host for display and allowlist matching (IPv6 without brackets). */
export function bareHost(url: URL): string {
  const h = url.hostname;
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

/**
 * Throws EgressBlockedError unless the URL may be fetched. Hostnames are only checked
 * statically here; their addresses are checked when the socket connects.
 */
export function assertUrlAllowed(url: URL, opts: { allowedPorts: ReadonlySet<number>; allowlist: Allowlist }): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EgressBlockedError('scheme_not_allowed', { detail: url.protocol.replace(/:$/, '') });
  }
  if (url.username !== '' || url.password !== '') throw new EgressBlockedError('credentials_in_url');
  const host = bareHost(url);
  if (host === '') throw new EgressBlockedError('invalid_url', { detail: 'no host' });
  const port = defaultPort(url);
  if (!opts.allowedPorts.has(port)) throw new EgressBlockedError('port_not_allowed', { host, detail: String(port) });
  if (isIpLiteral(host) && !isAllowlisted(opts.allowlist, host)) {
    const verdict = classifyAddress(host);
    if (verdict.blocked) throw new EgressBlockedError('address_blocked', { host, range: verdict.range });
  }
}

export function allowedPortSet(extra: string): Set<number> {
  const ports = new Set([80, 443]);
  for (const part of extra.split(',')) {
    const n = Number(part.trim());
    if (part.trim() !== '' && Number.isInteger(n) && n >= 1 && n <= 65535) ports.add(n);
  }
  return ports;
}
