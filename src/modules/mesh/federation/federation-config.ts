// MESH_FEDERATION_* (spec §10 Mesh V2) parsed once into what the authenticator, the JWT code
// and the routes use. Invalid values stop start-up naming the variable, like config.ts does.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { publicOrigin, type Config } from '../../../config.js';

export type FederationConfigInput = Pick<
  Config,
  | 'AUTH_URL'
  | 'PORT'
  | 'A2A_JSONRPC_MIN_ROLE'
  | 'MESH_FEDERATION_ENABLED'
  | 'MESH_FEDERATION_PEERS'
  | 'MESH_FEDERATION_SHARED_SECRET'
  | 'MESH_FEDERATION_JWT_ALG'
  | 'MESH_FEDERATION_ED25519_SEED_HEX'
  | 'MESH_FEDERATION_PEER_ED25519_PUBLIC_KEYS'
  | 'MESH_FEDERATION_JWT_AUDIENCE'
  | 'MESH_FEDERATION_JWT_REQUIRE_AUDIENCE'
  | 'MESH_FEDERATION_JWT_REQUIRE_JTI'
  | 'MESH_FEDERATION_JWT_TTL_SECONDS'
  | 'MESH_FEDERATION_JWT_CLOCK_SKEW_LEEWAY_SECONDS'
  | 'MESH_FEDERATION_INBOUND_ALLOW_LEGACY_SECRET'
  | 'MESH_FEDERATION_PROXY_SEND_SECRET'
  | 'MESH_FEDERATION_PROXY_TIMEOUT_MS'
  | 'MESH_FEDERATION_INBOUND_ALLOWLIST'
  | 'MESH_FEDERATION_RATE_LIMIT_MAX'
  | 'MESH_FEDERATION_RATE_LIMIT_WINDOW_MS'
>;

export interface FederationPeer {
  index: number;
  origin: string;
  /** Verifies EdDSA tokens this peer signs (MESH_FEDERATION_PEER_ED25519_PUBLIC_KEYS, same order). */
  ed25519PublicKey?: KeyObject;
}

export interface FederationSettings {
  enabled: boolean;
  /** Our public origin: `iss` of the tokens we mint. */
  origin: string;
  /** The `aud` inbound tokens must carry. */
  audience: string;
  peers: FederationPeer[];
  sharedSecret?: string;
  alg: 'HS256' | 'Ed25519';
  ed25519PrivateKey?: KeyObject;
  requireAudience: boolean;
  requireJti: boolean;
  ttlSeconds: number;
  leewaySeconds: number;
  allowLegacySecret: boolean;
  proxySendSecret: boolean;
  proxyTimeoutMs: number;
  /** Null: any client IP may federate. */
  inboundAllowlist: ((ip: string) => boolean) | null;
  inboundAllowlistSize: number;
  /** Role a federated principal acts with: exactly what A2A calls need, so the peer never gets more. */
  role: Config['A2A_JSONRPC_MIN_ROLE'];
  rateLimit: { max: number; windowMs: number };
}

export class FederationConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
  }
}

const split = (s: string) => s.split(',').map((p) => p.trim()).filter(Boolean);

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function ed25519PrivateKeyFromSeed(seedHex: string): KeyObject {
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, Buffer.from(seedHex, 'hex')]), format: 'der', type: 'pkcs8' });
}

export function ed25519PublicKeyFromHex(hex: string): KeyObject {
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex, 'hex')]), format: 'der', type: 'spki' });
}

/** The raw 32-byte public key (hex) matching a seed, for operators pairing instances. */
export function ed25519PublicHexFromSeed(seedHex: string): string {
  const der = createPublicKey(ed25519PrivateKeyFromSeed(seedHex)).export({ format: 'der', type: 'spki' });
  return der.subarray(ED25519_SPKI_PREFIX.length).toString('hex');
}

function compileAllowlist(raw: string): { match: (ip: string) => boolean; size: number } | null {
  const entries = split(raw);
  if (entries.length === 0) return null;
  const ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  for (const e of entries) {
    try {
      ranges.push(e.includes('/') ? ipaddr.parseCIDR(e) : (() => {
        const a = ipaddr.parse(e);
        return [a, a.kind() === 'ipv4' ? 32 : 128] as [ipaddr.IPv4 | ipaddr.IPv6, number];
      })());
    } catch {
      throw new FederationConfigError('MESH_FEDERATION_INBOUND_ALLOWLIST', `"${e}" is not an IP address or CIDR`);
    }
  }
  return {
    size: ranges.length,
    match(ip) {
      let addr: ipaddr.IPv4 | ipaddr.IPv6;
      try {
        addr = ipaddr.process(ip);
      } catch {
        return false;
      }
      return ranges.some(([net, bits]) => {
        const n = net.kind() === 'ipv6' && (net as ipaddr.IPv6).isIPv4MappedAddress() ? (net as ipaddr.IPv6).toIPv4Address() : net;
        return n.kind() === addr.kind() && addr.match([n, bits] as never);
      });
    },
  };
}

export function parseFederationSettings(config: FederationConfigInput): FederationSettings {
  const origin = publicOrigin(config);
  const peerOrigins = split(config.MESH_FEDERATION_PEERS).map((p) => {
    try {
      const u = new URL(p);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
      return u.origin;
    } catch {
      throw new FederationConfigError('MESH_FEDERATION_PEERS', `"${p}" is not an http(s) origin`);
    }
  });
  if (peerOrigins.length > 64) throw new FederationConfigError('MESH_FEDERATION_PEERS', 'at most 64 peers');
  const keys = split(config.MESH_FEDERATION_PEER_ED25519_PUBLIC_KEYS);
  const peers: FederationPeer[] = peerOrigins.map((o, index) => {
    const hex = keys[index];
    if (hex !== undefined && hex !== '-' && !/^[0-9a-fA-F]{64}$/.test(hex)) {
      throw new FederationConfigError('MESH_FEDERATION_PEER_ED25519_PUBLIC_KEYS', `entry ${index + 1} must be 64 hex characters (or "-")`);
    }
    return { index, origin: o, ...(hex && hex !== '-' ? { ed25519PublicKey: ed25519PublicKeyFromHex(hex) } : {}) };
  });
  if (config.MESH_FEDERATION_ENABLED && config.MESH_FEDERATION_JWT_ALG === 'Ed25519' && !config.MESH_FEDERATION_ED25519_SEED_HEX) {
    throw new FederationConfigError('MESH_FEDERATION_ED25519_SEED_HEX', 'required when MESH_FEDERATION_JWT_ALG=Ed25519');
  }
  const allow = compileAllowlist(config.MESH_FEDERATION_INBOUND_ALLOWLIST);
  return {
    enabled: config.MESH_FEDERATION_ENABLED,
    origin,
    audience: config.MESH_FEDERATION_JWT_AUDIENCE ? new URL(config.MESH_FEDERATION_JWT_AUDIENCE).origin : origin,
    peers,
    sharedSecret: config.MESH_FEDERATION_SHARED_SECRET,
    alg: config.MESH_FEDERATION_JWT_ALG,
    ...(config.MESH_FEDERATION_ED25519_SEED_HEX ? { ed25519PrivateKey: ed25519PrivateKeyFromSeed(config.MESH_FEDERATION_ED25519_SEED_HEX) } : {}),
    requireAudience: config.MESH_FEDERATION_JWT_REQUIRE_AUDIENCE,
    requireJti: config.MESH_FEDERATION_JWT_REQUIRE_JTI,
    ttlSeconds: config.MESH_FEDERATION_JWT_TTL_SECONDS,
    leewaySeconds: config.MESH_FEDERATION_JWT_CLOCK_SKEW_LEEWAY_SECONDS,
    allowLegacySecret: config.MESH_FEDERATION_INBOUND_ALLOW_LEGACY_SECRET,
    proxySendSecret: config.MESH_FEDERATION_PROXY_SEND_SECRET,
    proxyTimeoutMs: config.MESH_FEDERATION_PROXY_TIMEOUT_MS,
    inboundAllowlist: allow?.match ?? null,
    inboundAllowlistSize: allow?.size ?? 0,
    role: config.A2A_JSONRPC_MIN_ROLE,
    rateLimit: { max: config.MESH_FEDERATION_RATE_LIMIT_MAX, windowMs: config.MESH_FEDERATION_RATE_LIMIT_WINDOW_MS },
  };
}
