// X-Hive-Federation-JWT (spec §10 Mesh V2): short-lived tokens a Pilox instance mints for one
// peer. HS256 with MESH_FEDERATION_SHARED_SECRET by default; EdDSA (Ed25519) with per-peer
// public keys when MESH_FEDERATION_JWT_ALG=Ed25519, so a leaked key only impersonates one peer.
// Claims: iss = minting origin, aud = receiving origin, iat/exp (TTL), jti (single use).
import { randomUUID } from 'node:crypto';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT, type JWTPayload, type KeyObject } from 'jose';
import type { Clock } from '../../../lib/clock.js';
import { ServiceUnavailableError, UnauthorizedError } from '../../../lib/errors.js';
import type { Kv } from '../../../lib/kv/kv.js';
import type { FederationPeer, FederationSettings } from './federation-config.js';

/** Larger headers are refused before any parsing (a JWT of ours is ~350 bytes). */
export const MAX_FEDERATION_JWT_BYTES = 4096;
export const JTI_KEY_PREFIX = 'hive:mesh:federation:jti:';

export interface VerifiedFederationToken {
  peer: FederationPeer;
  jti?: string;
  exp: number;
}

const invalid = (why: string) => new UnauthorizedError(`Invalid federation token: ${why}`, 'FEDERATION_JWT_INVALID');

export function createFederationJwt(deps: { settings: FederationSettings; kv: Kv; clock: Clock }) {
  const { settings, kv, clock } = deps;
  const secretKey = settings.sharedSecret ? new TextEncoder().encode(settings.sharedSecret) : undefined;
  const byOrigin = new Map(settings.peers.map((p) => [p.origin, p]));

  return {
    /** A token for one call to `audience` (a peer origin). */
    async mint(audience: string): Promise<string> {
      const now = Math.floor(clock.now().getTime() / 1000);
      const jwt = new SignJWT({})
        .setIssuer(settings.origin)
        .setAudience(audience)
        .setIssuedAt(now)
        .setExpirationTime(now + settings.ttlSeconds)
        .setJti(randomUUID());
      if (settings.alg === 'Ed25519') {
        if (!settings.ed25519PrivateKey) throw new ServiceUnavailableError('Federation signing key is not configured', 'FEDERATION_NOT_CONFIGURED');
        return jwt.setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' }).sign(settings.ed25519PrivateKey);
      }
      if (!secretKey) throw new ServiceUnavailableError('MESH_FEDERATION_SHARED_SECRET is not set', 'FEDERATION_NOT_CONFIGURED');
      return jwt.setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(secretKey);
    },

    /**
     * Verifies signature, issuer (a configured peer), audience, lifetime and single use.
     * Throws 401 FEDERATION_JWT_INVALID / FEDERATION_JWT_REPLAYED, or 503 when the replay
     * store cannot be reached (accepting without the check would allow replays).
     */
    async verify(token: string): Promise<VerifiedFederationToken> {
      if (Buffer.byteLength(token) > MAX_FEDERATION_JWT_BYTES) throw invalid('too large');
      let alg: string | undefined;
      try {
        alg = decodeProtectedHeader(token).alg;
      } catch {
        throw invalid('malformed');
      }
      let payload: JWTPayload;
      try {
        const result = await jwtVerify(
          token,
          async (header) => {
            // The key is the issuer's: read iss before the signature is checked, then the
            // signature proves it (a forged iss fails with the real peer's key).
            const claimed = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: unknown };
            const p = typeof claimed.iss === 'string' ? byOrigin.get(claimed.iss) : undefined;
            if (header.alg === 'HS256') {
              if (!secretKey) throw invalid('HS256 is not accepted here');
              // Every peer knows the shared secret: in Ed25519 mode a peer with a key must sign
              // with it, or any other peer could claim to be it ("-" peers keep HS256).
              if (settings.alg === 'Ed25519' && p?.ed25519PublicKey) throw invalid('this issuer signs with Ed25519');
              return secretKey;
            }
            if (header.alg === 'EdDSA') {
              if (!p?.ed25519PublicKey) throw invalid('no Ed25519 key for this issuer');
              return p.ed25519PublicKey as KeyObject;
            }
            throw invalid(`algorithm ${String(header.alg).slice(0, 16)} is not accepted`);
          },
          {
            algorithms: ['HS256', 'EdDSA'],
            clockTolerance: settings.leewaySeconds,
            currentDate: clock.now(),
            requiredClaims: ['iss', 'iat', 'exp'],
            ...(settings.requireAudience ? { audience: settings.audience } : {}),
          },
        );
        payload = result.payload;
      } catch (err) {
        if (err instanceof UnauthorizedError) throw err;
        if (err instanceof joseErrors.JWTExpired) throw invalid('expired');
        if (err instanceof joseErrors.JWTClaimValidationFailed) throw invalid(`claim ${err.claim} rejected`);
        throw invalid(alg === undefined ? 'malformed' : 'bad signature or format');
      }
      const peer = typeof payload.iss === 'string' ? byOrigin.get(payload.iss) : undefined;
      if (!peer) throw invalid('issuer is not a configured peer');
      // Without REQUIRE_AUDIENCE a token may omit aud, but one addressed elsewhere is still refused.
      if (!settings.requireAudience && payload.aud !== undefined) {
        const auds = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
        if (!auds.includes(settings.audience)) throw invalid('claim aud rejected');
      }
      const iat = payload.iat!;
      const exp = payload.exp!;
      // A peer cannot mint long-lived tokens: lifetime is bounded by our TTL (+ skew).
      if (exp - iat > settings.ttlSeconds + settings.leewaySeconds) throw invalid('lifetime exceeds MESH_FEDERATION_JWT_TTL_SECONDS');
      const jti = typeof payload.jti === 'string' && payload.jti.length > 0 && payload.jti.length <= 128 ? payload.jti : undefined;
      if (payload.jti !== undefined && jti === undefined) throw invalid('bad jti');
      if (!jti && settings.requireJti) throw invalid('jti required');
      if (jti) {
        const now = Math.floor(clock.now().getTime() / 1000);
        const ttlMs = Math.max(1, exp + settings.leewaySeconds - now) * 1000;
        let first: boolean;
        try {
          first = await kv.set(`${JTI_KEY_PREFIX}${peer.origin}:${jti}`, '1', { nx: true, ttlMs });
        } catch {
          throw new ServiceUnavailableError('Federation replay protection is unavailable', 'FEDERATION_REPLAY_STORE_UNAVAILABLE');
        }
        if (!first) throw new UnauthorizedError('Federation token already used', 'FEDERATION_JWT_REPLAYED');
      }
      return { peer, exp, ...(jti ? { jti } : {}) };
    },
  };
}

export type FederationJwt = ReturnType<typeof createFederationJwt>;
