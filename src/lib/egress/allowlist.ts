// Egress host allowlist: exact hostnames, `*.suffix` (any subdomain, not the suffix itself) and
// IP literals. HIVE_EGRESS_FETCH_HOST_ALLOWLIST and the admin-set list share this syntax.
import { canonicalIp as canonicalAddress } from './address-policy.js';

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

export interface Allowlist {
  exact: Set<string>;
  suffixes: string[];
}

function isHostname(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  // An all-numeric last label would make the name an IPv4 spelling to URL parsers.
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) return false;
  return labels.every((l) => LABEL.test(l));
}

function canonicalIp(text: string): string | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  return canonicalAddress(bare);
}

/** Hostname as compared against the list: lower case, no trailing dot, IPs canonical, no brackets. */
export function normalizeHost(hostname: string): string {
  const lower = hostname.trim().toLowerCase().replace(/\.$/, '');
  return canonicalIp(lower) ?? lower;
}

/**
 * Checks one entry; returns the normalized entry or an error message. Used to validate the
 * admin setting (400 naming the entry) and the environment variable (start-up problem).
 */
export function parseAllowlistEntry(raw: string): { entry: string } | { error: string } {
  const text = raw.trim().toLowerCase().replace(/\.$/, '');
  if (text === '') return { error: 'empty entry' };
  if (/[/:@?#\s]/.test(text) && canonicalIp(text) === null) {
    return { error: 'must be a hostname, *.suffix or IP address (no scheme, port or path)' };
  }
  const ip = canonicalIp(text);
  if (ip) return { entry: ip };
  if (text.startsWith('*.')) {
    const suffix = text.slice(2);
    if (!isHostname(suffix)) return { error: 'the part after "*." must be a hostname' };
    return { entry: `*.${suffix}` };
  }
  if (text.includes('*')) return { error: 'a wildcard is only allowed as a leading "*."' };
  if (!isHostname(text)) return { error: 'not a valid hostname' };
  return { entry: text };
}

/** Splits a comma-separated list (the environment form), keeping valid entries only. */
export function splitAllowlist(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(',')) {
    if (part.trim() === '') continue;
    const parsed = parseAllowlistEntry(part);
    if ('entry' in parsed) out.push(parsed.entry);
  }
  return out;
}

export function compileAllowlist(entries: Iterable<string>): Allowlist {
  const list: Allowlist = { exact: new Set(), suffixes: [] };
  for (const raw of entries) {
    const parsed = parseAllowlistEntry(raw);
    if (!('entry' in parsed)) continue;
    if (parsed.entry.startsWith('*.')) list.suffixes.push(parsed.entry.slice(1)); // keep the dot
    else list.exact.add(parsed.entry);
  }
  return list;
}

export function isAllowlisted(list: Allowlist, hostname: string): boolean {
  const host = normalizeHost(hostname);
  if (list.exact.has(host)) return true;
  return list.suffixes.some((s) => host.endsWith(s) && host.length > s.length);
}
