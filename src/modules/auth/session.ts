// Session cookies: an HS256 JWT signed with AUTH_SECRET (so rotating the secret signs everyone
// out) carrying the user id (`sub`) and the user's security_version (`sv`). The same key signs
// the short-lived MFA challenge given between password and TOTP; the audience keeps the two
// from being accepted in place of each other.
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import type { Clock } from '../../lib/clock.js';
import { UnauthorizedError } from '../../lib/errors.js';

export const SESSION_COOKIE = 'pilox_session';
const SESSION_AUDIENCE = 'pilox:session';
const MFA_AUDIENCE = 'pilox:mfa';
const MFA_CHALLENGE_SECONDS = 300;
const SUBJECT = /^[0-9a-f-]{36}$/;

export interface SessionClaims {
  userId: string;
  securityVersion: number;
  expiresAt: Date;
}

/** The value of one cookie in a Cookie header, without a general parser on the hot path. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const v = part.slice(eq + 1).trim();
      return v.length > 0 && v.length <= 4096 ? v : null;
    }
  }
  return null;
}

export function createSessionManager(deps: { secret: string; ttlSeconds: number; secureCookie: boolean; clock: Clock }) {
  const key = new TextEncoder().encode(deps.secret);
  const nowSeconds = () => Math.floor(deps.clock.now().getTime() / 1000);

  async function sign(audience: string, sub: string, sv: number, ttl: number, extra: Record<string, unknown> = {}) {
    const iat = nowSeconds();
    const token = await new SignJWT({ sv, ...extra })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(sub)
      .setAudience(audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttl)
      .sign(key);
    return { token, expiresAt: new Date((iat + ttl) * 1000) };
  }

  async function check(token: string, audience: string, expiredCode: string, invalidCode: string) {
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        audience,
        currentDate: deps.clock.now(),
        requiredClaims: ['sub', 'exp', 'sv'],
      });
      if (typeof payload.sub !== 'string' || !SUBJECT.test(payload.sub) || typeof payload.sv !== 'number') {
        throw new UnauthorizedError('Invalid session', invalidCode);
      }
      return { userId: payload.sub, securityVersion: payload.sv, expiresAt: new Date(payload.exp! * 1000), payload };
    } catch (err) {
      if (err instanceof UnauthorizedError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw new UnauthorizedError('Session expired; sign in again', expiredCode);
      throw new UnauthorizedError('Invalid session', invalidCode);
    }
  }

  const cookieAttributes = `Path=/; HttpOnly; SameSite=Lax${deps.secureCookie ? '; Secure' : ''}`;

  return {
    ttlSeconds: deps.ttlSeconds,

    issue(user: { id: string; securityVersion: number }) {
      return sign(SESSION_AUDIENCE, user.id, user.securityVersion, deps.ttlSeconds);
    },

    async verify(token: string): Promise<SessionClaims> {
      const { payload: _p, ...claims } = await check(token, SESSION_AUDIENCE, 'SESSION_EXPIRED', 'INVALID_SESSION');
      return claims;
    },

    /** Proof that the password was right, exchanged for a session once the TOTP code is. */
    issueMfaChallenge(user: { id: string; securityVersion: number }) {
      return sign(MFA_AUDIENCE, user.id, user.securityVersion, MFA_CHALLENGE_SECONDS);
    },

    async verifyMfaChallenge(token: string): Promise<SessionClaims> {
      const { payload: _p, ...claims } = await check(token, MFA_AUDIENCE, 'MFA_CHALLENGE_EXPIRED', 'INVALID_MFA_CHALLENGE');
      return claims;
    },

    setCookie(token: string): string {
      return `${SESSION_COOKIE}=${token}; Max-Age=${deps.ttlSeconds}; ${cookieAttributes}`;
    },

    clearCookie(): string {
      return `${SESSION_COOKIE}=; Max-Age=0; ${cookieAttributes}`;
    },
  };
}

export type SessionManager = ReturnType<typeof createSessionManager>;
