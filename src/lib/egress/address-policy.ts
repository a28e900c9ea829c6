// Which IP addresses a guarded fetch may connect to (spec 4.2). Only globally routable unicast
// passes; IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4) are judged by
// the IPv4 address they carry, so `::ffff:127.0.0.1` is as blocked as `127.0.0.1`.
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export type AddressVerdict = { blocked: false } | { blocked: true; range: string };

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

function table(entries: [string, string][]): [Cidr, string][] {
  return entries.map(([cidr, name]) => [ipaddr.parseCIDR(cidr), name]);
}

// IANA IPv4 special-purpose registry, minus the few globally reachable anycast entries.
const IPV4_BLOCKED = table([
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrier-grade-nat'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'], // includes 169.254.169.254, cloud metadata
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'ietf-protocol-assignments'],
  ['192.0.2.0/24', 'documentation'],
  ['192.31.196.0/24', 'as112'],
  ['192.52.193.0/24', 'amt'],
  ['192.88.99.0/24', '6to4-relay'],
  ['192.168.0.0/16', 'private'],
  ['192.175.48.0/24', 'as112'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'], // includes 255.255.255.255 broadcast
]);

const IPV6_BLOCKED = table([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b:1::/48', 'nat64-local'],
  ['100::/64', 'discard'],
  ['2001::/23', 'ietf-protocol-assignments'], // Teredo, ORCHID, benchmarking…
  ['2001:db8::/32', 'documentation'],
  ['3fff::/20', 'documentation'],
  ['fc00::/7', 'unique-local'], // includes fd00:ec2::254, AWS metadata over IPv6
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local'],
  ['ff00::/8', 'multicast'],
]);

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');
const MAPPED = ipaddr.parseCIDR('::ffff:0:0/96');
const TRANSLATED = ipaddr.parseCIDR('::ffff:0:0:0/96'); // SIIT, RFC 6145
const COMPATIBLE = ipaddr.parseCIDR('::/96');
const NAT64 = ipaddr.parseCIDR('64:ff9b::/96');
const SIX_TO_FOUR = ipaddr.parseCIDR('2002::/16');

function v4FromParts(hi: number, lo: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
}

function classifyV4(addr: ipaddr.IPv4): AddressVerdict {
  for (const [cidr, name] of IPV4_BLOCKED) if (addr.match(cidr)) return { blocked: true, range: name };
  return { blocked: false };
}

function embedded(verdict: AddressVerdict, form: string): AddressVerdict {
  return verdict.blocked ? { blocked: true, range: `${form}:${verdict.range}` } : verdict;
}

function classifyV6(addr: ipaddr.IPv6): AddressVerdict {
  const p = addr.parts;
  if (addr.match(MAPPED)) return embedded(classifyV4(v4FromParts(p[6]!, p[7]!)), 'ipv4-mapped');
  if (addr.match(TRANSLATED)) return embedded(classifyV4(v4FromParts(p[6]!, p[7]!)), 'ipv4-translated');
  if (addr.match(NAT64)) return embedded(classifyV4(v4FromParts(p[6]!, p[7]!)), 'nat64');
  if (addr.match(SIX_TO_FOUR)) return embedded(classifyV4(v4FromParts(p[1]!, p[2]!)), '6to4');
  for (const [cidr, name] of IPV6_BLOCKED) if (addr.match(cidr)) return { blocked: true, range: name };
  // Deprecated IPv4-compatible form (::a.b.c.d); `::` and `::1` were handled above.
  if (addr.match(COMPATIBLE)) return embedded(classifyV4(v4FromParts(p[6]!, p[7]!)), 'ipv4-compatible');
  if (!addr.match(GLOBAL_UNICAST_V6)) return { blocked: true, range: 'reserved' };
  return { blocked: false };
}

/**
 * The eight 16-bit groups of a valid IPv6 address (validated by `net.isIP` first). Written out
 * because ipaddr.js reads any dotted suffix as IPv4-mapped, turning `::127.0.0.1` into
 * `::ffff:127.0.0.1`, and the embedded form decides which rule applies.
 */
function ipv6Parts(text: string): number[] {
  const groups = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const [a, b, c, d] = g.split('.').map(Number) as [number, number, number, number];
        out.push((a << 8) | b, (c << 8) | d);
      } else out.push(parseInt(g, 16));
    }
    return out;
  };
  const [head = '', tail] = text.split('::');
  const left = groups(head);
  if (tail === undefined) return left;
  const right = groups(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * Classifies a canonical IP address (as a socket or `dns.lookup` reports it). Anything that is
 * not a plain dotted-quad IPv4 or a valid IPv6 address (legacy spellings such as `0x7f.1`,
 * `2130706433`, zone ids) is refused rather than interpreted.
 */
export function classifyAddress(address: string): AddressVerdict {
  const family = isIP(address);
  if (family === 4) return classifyV4(ipaddr.IPv4.parse(address));
  if (family === 6) {
    if (address.includes('%')) return { blocked: true, range: 'zone-id' };
    return classifyV6(new ipaddr.IPv6(ipv6Parts(address)));
  }
  return { blocked: true, range: 'not-an-ip-address' };
}

/** Canonical text of a valid IP address (IPv6 compressed, lower case); null for anything else. */
export function canonicalIp(text: string): string | null {
  const family = isIP(text);
  if (family === 4) return text;
  if (family === 6 && !text.includes('%')) return new ipaddr.IPv6(ipv6Parts(text)).toString();
  return null;
}

/** True when the hostname (URL form, brackets allowed) is an IP literal of any spelling. */
export function isIpLiteral(hostname: string): boolean {
  const h = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  // ipaddr.isValid is slow (~15 µs); only names made of number-ish characters can be legacy IPv4.
  return isIP(h) !== 0 || (/^[0-9a-fx.]+$/i.test(h) && ipaddr.isValid(h));
}
