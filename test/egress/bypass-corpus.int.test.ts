// The egress guard against a corpus of SSRF bypass attempts (spec 4.2). Every attempt targets a
// real loopback server; the proof is both the typed error and the server never seeing /secret.
import { lookup } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createEgressGuard, EgressBlockedError, type EgressGuard, type Resolver } from '../../src/lib/egress/index.js';
import { testEnv } from '../helpers/app.js';
import { startLoopbackServer, type LoopbackServer } from '../fixtures/loopback-http.js';

let v4: LoopbackServer;
let v6: LoopbackServer;
let guard: EgressGuard;
/** What the attacker's TTL-0 record answers right now, and how often it was asked. */
let rebindAnswer = '93.184.215.14';
let rebindQueries = 0;

const STATIC_DNS: Record<string, string[]> = {
  'localhost.': ['127.0.0.1', '::1'], // what getaddrinfo answers on most systems
  'api.example.com': ['127.0.0.1'], // allowlisted: the "public-looking" host of the allowed cases
  'evil.example': ['127.0.0.1'],
  'evil6.example': ['::1'],
  'mapped.example': ['::ffff:127.0.0.1'],
  'metadata.example': ['169.254.169.254'],
  'internal.example': ['10.0.0.7'],
  'cgnat.example': ['100.64.0.9'],
  'mixed.example': ['93.184.215.14', '127.0.0.1'],
  '127.0.0.1.nip.io': ['127.0.0.1'],
  'svc.example': ['127.0.0.1'],
  'a.svc.example': ['127.0.0.1'],
};

/** A resolver stub: fixed answers, a rebinding name, and the system resolver for the rest. */
const resolver: Resolver = async (hostname) => {
  if (hostname === 'rebind.example') {
    rebindQueries++;
    return [{ address: rebindAnswer, family: 4 }];
  }
  const fixed = STATIC_DNS[hostname];
  if (fixed) return fixed.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  return lookup(hostname, { all: true });
};

beforeAll(async () => {
  v4 = await startLoopbackServer('127.0.0.1');
  v6 = await startLoopbackServer('::1');
  const config = loadConfig(
    testEnv({
      HIVE_EGRESS_FETCH_ALLOWED_PORTS: `${v4.port},${v6.port}`,
      HIVE_EGRESS_FETCH_HOST_ALLOWLIST: 'api.example.com,*.svc.example',
      HIVE_EGRESS_FETCH_MAX_REDIRECTS: '3',
      HIVE_EGRESS_FETCH_TIMEOUT_MS: '2000',
    }),
  );
  guard = createEgressGuard({ config, resolve: resolver });
});

afterAll(async () => {
  await guard?.close();
  await v4?.close();
  await v6?.close();
});

function secretHits(): number {
  return [...v4.requests, ...v6.requests].filter((r) => r.path === '/secret').length;
}

async function blockedReason(url: string): Promise<string> {
  try {
    const res = await guard.fetch(url);
    await res.body?.cancel();
    return `not blocked: HTTP ${res.status}`;
  } catch (err) {
    if (err instanceof EgressBlockedError) {
      expect(err.code).toBe('EGRESS_BLOCKED');
      expect(err.status).toBe(400);
      return err.reason;
    }
    return `unexpected ${(err as Error).name}: ${(err as Error).message}`;
  }
}

describe('egress guard: bypass corpus', () => {
  const P = () => v4.port;
  const Q = () => v6.port;
  const redirect = (to: string, status = 302) =>
    `http://api.example.com:${P()}/redirect?status=${status}&to=${encodeURIComponent(to)}`;

  const corpus: [string, () => string, string][] = [
    // IPv4 spellings that URL parsers fold into 127.0.0.1 / 0.0.0.0
    ['dotted loopback', () => `http://127.0.0.1:${P()}/secret`, 'address_blocked'],
    ['decimal integer', () => `http://2130706433:${P()}/secret`, 'address_blocked'],
    ['hex integer', () => `http://0x7f000001:${P()}/secret`, 'address_blocked'],
    ['octal first octet', () => `http://0177.0.0.1:${P()}/secret`, 'address_blocked'],
    ['octal integer', () => `http://017700000001:${P()}/secret`, 'address_blocked'],
    ['hex first octet', () => `http://0x7f.0.0.1:${P()}/secret`, 'address_blocked'],
    ['short form 127.1', () => `http://127.1:${P()}/secret`, 'address_blocked'],
    ['zero-padded octets', () => `http://127.000.000.001:${P()}/secret`, 'address_blocked'],
    ['trailing dot', () => `http://127.0.0.1.:${P()}/secret`, 'address_blocked'],
    ['percent-encoded host', () => `http://%31%32%37.0.0.1:${P()}/secret`, 'address_blocked'],
    ['other loopback 127.0.0.2', () => `http://127.0.0.2:${P()}/secret`, 'address_blocked'],
    ['bare 0', () => `http://0:${P()}/secret`, 'address_blocked'],
    ['unspecified 0.0.0.0', () => `http://0.0.0.0:${P()}/secret`, 'address_blocked'],
    // IPv6 forms
    ['IPv6 loopback', () => `http://[::1]:${Q()}/secret`, 'address_blocked'],
    ['IPv6 loopback, long form', () => `http://[0000:0000:0000:0000:0000:0000:0000:0001]:${Q()}/secret`, 'address_blocked'],
    ['IPv6 unspecified', () => `http://[::]:${P()}/secret`, 'address_blocked'],
    ['IPv4-mapped dotted', () => `http://[::ffff:127.0.0.1]:${P()}/secret`, 'address_blocked'],
    ['IPv4-mapped hex', () => `http://[::ffff:7f00:1]:${P()}/secret`, 'address_blocked'],
    ['IPv4-mapped expanded', () => `http://[0:0:0:0:0:ffff:127.0.0.1]:${P()}/secret`, 'address_blocked'],
    ['IPv4-mapped metadata', () => `http://[::ffff:169.254.169.254]/secret`, 'address_blocked'],
    ['IPv4-translated', () => `http://[::ffff:0:127.0.0.1]:${P()}/secret`, 'address_blocked'],
    ['IPv4-compatible', () => `http://[::127.0.0.1]:${P()}/secret`, 'address_blocked'],
    ['NAT64 of loopback', () => `http://[64:ff9b::127.0.0.1]:${P()}/secret`, 'address_blocked'],
    ['NAT64 of metadata', () => `http://[64:ff9b::a9fe:a9fe]/secret`, 'address_blocked'],
    ['6to4 of loopback', () => `http://[2002:7f00:1::1]:${P()}/secret`, 'address_blocked'],
    ['6to4 of RFC1918', () => `http://[2002:c0a8:0101::1]/secret`, 'address_blocked'],
    ['IPv6 unique-local', () => `http://[fd00::1]/secret`, 'address_blocked'],
    ['IPv6 AWS metadata', () => `http://[fd00:ec2::254]/secret`, 'address_blocked'],
    ['IPv6 link-local', () => `http://[fe80::1]/secret`, 'address_blocked'],
    ['IPv6 multicast', () => `http://[ff02::1]/secret`, 'address_blocked'],
    // Private and special IPv4 ranges
    ['RFC1918 10/8', () => 'http://10.0.0.1/secret', 'address_blocked'],
    ['RFC1918 172.16/12', () => 'http://172.16.0.1/secret', 'address_blocked'],
    ['RFC1918 192.168/16', () => 'https://192.168.1.1/secret', 'address_blocked'],
    ['cloud metadata', () => 'http://169.254.169.254/latest/meta-data/', 'address_blocked'],
    ['CGNAT 100.64/10', () => 'http://100.64.0.1/secret', 'address_blocked'],
    ['Alibaba metadata (CGNAT)', () => 'http://100.100.100.200/secret', 'address_blocked'],
    ['benchmarking 198.18/15', () => 'http://198.19.0.1/secret', 'address_blocked'],
    ['multicast', () => 'http://224.0.0.1/secret', 'address_blocked'],
    ['broadcast', () => 'http://255.255.255.255/secret', 'address_blocked'],
    ['IETF 192.0.0/24', () => 'http://192.0.0.170/secret', 'address_blocked'],
    // Hostnames resolving to blocked addresses (checked when the socket connects)
    ['localhost', () => `http://localhost:${P()}/secret`, 'address_blocked'],
    ['localhost with trailing dot', () => `http://localhost.:${P()}/secret`, 'address_blocked'],
    ['name resolving to loopback', () => `http://evil.example:${P()}/secret`, 'address_blocked'],
    ['name resolving to ::1', () => `http://evil6.example:${Q()}/secret`, 'address_blocked'],
    ['name resolving to a mapped address', () => `http://mapped.example:${P()}/secret`, 'address_blocked'],
    ['name resolving to metadata', () => 'http://metadata.example/secret', 'address_blocked'],
    ['name resolving to RFC1918', () => 'http://internal.example/secret', 'address_blocked'],
    ['name resolving to CGNAT', () => 'http://cgnat.example/secret', 'address_blocked'],
    ['name mixing public and loopback', () => `http://mixed.example:${P()}/secret`, 'address_blocked'],
    ['wildcard-DNS style name', () => `http://127.0.0.1.nip.io:${P()}/secret`, 'address_blocked'],
    ['suffix apex is not covered by *.suffix', () => `http://svc.example:${P()}/secret`, 'address_blocked'],
    // Redirects from an allowlisted host to blocked targets
    ['redirect to loopback literal', () => redirect(`http://127.0.0.1:${P()}/secret`), 'address_blocked'],
    ['redirect to a name resolving to loopback', () => redirect(`http://evil.example:${P()}/secret`), 'address_blocked'],
    ['307 redirect to IPv6 loopback', () => redirect(`http://[::1]:${Q()}/secret`, 307), 'address_blocked'],
    ['redirect to metadata', () => redirect('http://169.254.169.254/latest/meta-data/', 301), 'address_blocked'],
    ['redirect to file:', () => redirect('file:///etc/passwd'), 'scheme_not_allowed'],
    ['redirect to gopher:', () => redirect(`gopher://127.0.0.1:${P()}/_secret`), 'scheme_not_allowed'],
    ['redirect adding credentials', () => redirect(`http://user:pw@api.example.com:${P()}/secret`), 'credentials_in_url'],
    ['redirect to a closed port', () => redirect('http://api.example.com:6379/secret'), 'port_not_allowed'],
    ['redirect loop past the cap', () => `http://api.example.com:${P()}/chain?n=10`, 'too_many_redirects'],
    // URL shape
    ['credentials in URL', () => `http://user:pass@api.example.com:${P()}/secret`, 'credentials_in_url'],
    ['user name only', () => `http://user@api.example.com:${P()}/secret`, 'credentials_in_url'],
    ['SSH port', () => 'http://api.example.com:22/secret', 'port_not_allowed'],
    ['Redis port', () => 'http://api.example.com:6379/secret', 'port_not_allowed'],
    ['https on an odd port', () => 'https://api.example.com:8443/secret', 'port_not_allowed'],
    ['file scheme', () => 'file:///etc/passwd', 'scheme_not_allowed'],
    ['ftp scheme', () => 'ftp://api.example.com/secret', 'scheme_not_allowed'],
    ['data URL', () => 'data:text/plain,secret', 'scheme_not_allowed'],
    ['ws scheme', () => `ws://api.example.com:${P()}/secret`, 'scheme_not_allowed'],
    ['not a URL', () => 'not a url', 'invalid_url'],
    ['unterminated IPv6', () => 'http://[::1/secret', 'invalid_url'],
    ['empty host', () => 'http://:80/secret', 'invalid_url'],
    ['space in host', () => 'http://exa mple.com/secret', 'invalid_url'],
    ['oversized URL', () => `http://api.example.com/${'a'.repeat(9000)}`, 'invalid_url'],
  ];

  it(`has at least 40 attempts (${corpus.length})`, () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
  });

  it.each(corpus)('blocks %s', async (_name, url, reason) => {
    expect(await blockedReason(url())).toBe(reason);
    expect(secretHits()).toBe(0);
  });

  it('blocks DNS rebinding: the answer is checked when the socket connects, not before', async () => {
    // Saved while the record pointed at a public address: static checks pass (no lookup made).
    await expect(guard.checkUrl(`http://rebind.example:${P()}/secret`)).resolves.toBeInstanceOf(URL);
    expect(rebindQueries).toBe(0);
    // The attacker flips the record to loopback. Each fetch resolves inside the connector and
    // judges that very answer, so nothing learnt earlier can be reused.
    rebindAnswer = '127.0.0.1';
    for (let i = 1; i <= 3; i++) {
      expect(await blockedReason(`http://rebind.example:${P()}/secret`)).toBe('address_blocked');
      expect(rebindQueries).toBe(i);
    }
    rebindAnswer = '::ffff:127.0.0.1';
    expect(await blockedReason(`http://rebind.example:${P()}/secret`)).toBe('address_blocked');
    expect(secretHits()).toBe(0);
  });

  it('never reached /secret on either server', () => {
    expect(secretHits()).toBe(0);
  });
});
