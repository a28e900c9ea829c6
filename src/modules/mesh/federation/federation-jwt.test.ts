import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createMemoryKv } from '../../../lib/kv/memory-kv.js';
import type { Clock } from '../../../lib/clock.js';
import { ed25519PublicHexFromSeed, parseFederationSettings, type FederationConfigInput } from './federation-config.js';
import { createFederationJwt } from './federation-jwt.js';

const SECRET = 'federation-unit-test-secret-0123456789abcdef';
const base: FederationConfigInput = {
  AUTH_URL: 'https://a.example',
  PORT: 8080,
  A2A_JSONRPC_MIN_ROLE: 'viewer',
  MESH_FEDERATION_ENABLED: true,
  MESH_FEDERATION_PEERS: 'https://a.example,https://b.example',
  MESH_FEDERATION_SHARED_SECRET: SECRET,
  MESH_FEDERATION_JWT_ALG: 'HS256',
  MESH_FEDERATION_ED25519_SEED_HEX: undefined,
  MESH_FEDERATION_PEER_ED25519_PUBLIC_KEYS: '',
  MESH_FEDERATION_JWT_AUDIENCE: undefined,
  MESH_FEDERATION_JWT_REQUIRE_AUDIENCE: true,
  MESH_FEDERATION_JWT_REQUIRE_JTI: true,
  MESH_FEDERATION_JWT_TTL_SECONDS: 300,
  MESH_FEDERATION_JWT_CLOCK_SKEW_LEEWAY_SECONDS: 60,
  MESH_FEDERATION_INBOUND_ALLOW_LEGACY_SECRET: false,
  MESH_FEDERATION_PROXY_SEND_SECRET: false,
  MESH_FEDERATION_PROXY_TIMEOUT_MS: 30_000,
  MESH_FEDERATION_INBOUND_ALLOWLIST: '',
  MESH_FEDERATION_RATE_LIMIT_MAX: 100,
  MESH_FEDERATION_RATE_LIMIT_WINDOW_MS: 60_000,
};

function setup(overrides: Partial<FederationConfigInput> = {}, clock: Clock = { now: () => new Date() }) {
  const kv = createMemoryKv();
  // One instance verifying tokens it minted for itself (a.example lists itself as a peer here).
  const jwt = createFederationJwt({ settings: parseFederationSettings({ ...base, ...overrides }), kv, clock });
  return { kv, jwt };
}

const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code);

describe('federation JWT', () => {
  it('accepts a fresh token once, then reports the replay', async () => {
    const { jwt } = setup();
    const token = await jwt.mint('https://a.example');
    await expect(jwt.verify(token)).resolves.toMatchObject({ peer: { origin: 'https://a.example' } });
    expect(await codeOf(jwt.verify(token))).toBe('FEDERATION_JWT_REPLAYED');
  });

  it('refuses another audience, expired tokens, over-long lifetimes, missing jti and oversize headers', async () => {
    const { jwt } = setup();
    expect(await codeOf(jwt.verify(await jwt.mint('https://b.example')))).toBe('FEDERATION_JWT_INVALID');
    const key = new TextEncoder().encode(SECRET);
    const now = Math.floor(Date.now() / 1000);
    const make = (claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(key);
    const ok = { iss: 'https://a.example', aud: 'https://a.example', iat: now, exp: now + 300, jti: 'j1' };
    expect(await codeOf(jwt.verify(await make({ ...ok, iat: now - 1000, exp: now - 100 })))).toBe('FEDERATION_JWT_INVALID');
    expect(await codeOf(jwt.verify(await make({ ...ok, exp: now + 3000 })))).toBe('FEDERATION_JWT_INVALID');
    expect(await codeOf(jwt.verify(await make({ ...ok, jti: undefined })))).toBe('FEDERATION_JWT_INVALID');
    expect(await codeOf(jwt.verify(await make({ ...ok, iss: 'https://evil.example' })))).toBe('FEDERATION_JWT_INVALID');
    expect(await codeOf(jwt.verify(await make({ ...ok, aud: undefined })))).toBe('FEDERATION_JWT_INVALID');
    expect(await codeOf(jwt.verify('x'.repeat(5000)))).toBe('FEDERATION_JWT_INVALID');
    const wrongKey = await new SignJWT(ok).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(`${SECRET}x`));
    expect(await codeOf(jwt.verify(wrongKey))).toBe('FEDERATION_JWT_INVALID');
    // Within the leeway, a token from a slightly fast clock is fine.
    expect(await codeOf(jwt.verify(await make({ ...ok, iat: now + 30, exp: now + 320, jti: 'j2' })))).toBe('ok');
  });

  it('without REQUIRE_AUDIENCE / REQUIRE_JTI accepts tokens that omit them, but never a wrong aud', async () => {
    const { jwt } = setup({ MESH_FEDERATION_JWT_REQUIRE_AUDIENCE: false, MESH_FEDERATION_JWT_REQUIRE_JTI: false });
    const now = Math.floor(Date.now() / 1000);
    const make = (claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
    expect(await codeOf(jwt.verify(await make({ iss: 'https://a.example', iat: now, exp: now + 60 })))).toBe('ok');
    expect(await codeOf(jwt.verify(await make({ iss: 'https://a.example', aud: 'https://b.example', iat: now, exp: now + 60 })))).toBe(
      'FEDERATION_JWT_INVALID',
    );
  });

  it('answers 503 when the replay store is down', async () => {
    const { jwt, kv } = setup();
    const token = await jwt.mint('https://a.example');
    await kv.close();
    expect(await codeOf(jwt.verify(token))).toBe('FEDERATION_REPLAY_STORE_UNAVAILABLE');
  });

  it('Ed25519: tokens verify with the issuer key only', async () => {
    const seed = 'a'.repeat(64);
    const other = 'b'.repeat(64);
    const { jwt } = setup({
      MESH_FEDERATION_JWT_ALG: 'Ed25519',
      MESH_FEDERATION_ED25519_SEED_HEX: seed,
      MESH_FEDERATION_PEER_ED25519_PUBLIC_KEYS: `${ed25519PublicHexFromSeed(seed)},${ed25519PublicHexFromSeed(other)}`,
    });
    await expect(jwt.verify(await jwt.mint('https://a.example'))).resolves.toMatchObject({ peer: { origin: 'https://a.example' } });
    // b.example's key cannot sign for a.example.
    const forger = setup({ MESH_FEDERATION_JWT_ALG: 'Ed25519', MESH_FEDERATION_ED25519_SEED_HEX: other }).jwt;
    expect(await codeOf(jwt.verify(await forger.mint('https://a.example')))).toBe('FEDERATION_JWT_INVALID');
  });

  it('Ed25519: the shared secret cannot sign for a peer that has an Ed25519 key', async () => {
    const seedA = 'a'.repeat(64);
    const seedB = 'b'.repeat(64);
    // MESH_FEDERATION_SHARED_SECRET stays set (proxy, legacy peers): every peer knows it.
    const { jwt } = setup({
      MESH_FEDERATION_JWT_ALG: 'Ed25519',
      MESH_FEDERATION_ED25519_SEED_HEX: seedA,
      MESH_FEDERATION_PEER_ED25519_PUBLIC_KEYS: `${ed25519PublicHexFromSeed(seedA)},${ed25519PublicHexFromSeed(seedB)}`,
    });
    const now = Math.floor(Date.now() / 1000);
    const asB = await new SignJWT({ iss: 'https://b.example', aud: 'https://a.example', iat: now, exp: now + 60, jti: 'hs-as-b' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(SECRET));
    expect(await codeOf(jwt.verify(asB))).toBe('FEDERATION_JWT_INVALID');
  });

  it('rejects bad peer and allowlist configuration with the variable named', () => {
    expect(() => parseFederationSettings({ ...base, MESH_FEDERATION_PEERS: 'ftp://x' })).toThrow(/MESH_FEDERATION_PEERS/);
    expect(() => parseFederationSettings({ ...base, MESH_FEDERATION_INBOUND_ALLOWLIST: 'nope' })).toThrow(/MESH_FEDERATION_INBOUND_ALLOWLIST/);
    const s = parseFederationSettings({ ...base, MESH_FEDERATION_INBOUND_ALLOWLIST: '10.0.0.0/8, 192.168.1.5, ::1' });
    expect(['10.1.2.3', '192.168.1.5', '::1', '::ffff:10.0.0.1'].map((ip) => s.inboundAllowlist!(ip))).toEqual([true, true, true, true]);
    expect(['11.0.0.1', '192.168.1.6', '127.0.0.1'].map((ip) => s.inboundAllowlist!(ip))).toEqual([false, false, false]);
  });
});
