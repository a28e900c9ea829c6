// Typed failures of a guarded fetch. Callers show `reason` to the user that supplied the URL:
// a blocked URL is their input being refused (400); the far side failing is a 502/504.
import { AppError } from '../errors.js';

export type EgressBlockReason =
  | 'invalid_url'
  | 'scheme_not_allowed'
  | 'credentials_in_url'
  | 'port_not_allowed'
  | 'address_blocked'
  | 'too_many_redirects'
  | 'invalid_redirect';

const MESSAGES: Record<EgressBlockReason, string> = {
  invalid_url: 'the URL is not valid',
  scheme_not_allowed: 'only http and https URLs are allowed',
  credentials_in_url: 'URLs may not contain a user name or password',
  port_not_allowed: 'the port is not allowed (80, 443 and HIVE_EGRESS_FETCH_ALLOWED_PORTS)',
  address_blocked: 'the host is a private, loopback, link-local or reserved address and is not allowlisted',
  too_many_redirects: 'too many redirects (HIVE_EGRESS_FETCH_MAX_REDIRECTS)',
  invalid_redirect: 'the server redirected to a URL that is not allowed',
};

export class EgressBlockedError extends AppError {
  constructor(
    readonly reason: EgressBlockReason,
    info: { host?: string; range?: string; detail?: string } = {},
  ) {
    const where = info.host ? ` (${info.host}${info.range ? `: ${info.range}` : ''})` : '';
    const detail = info.detail ? `: ${info.detail}` : '';
    super(400, 'EGRESS_BLOCKED', `Outbound request blocked: ${MESSAGES[reason]}${where}${detail}`, {
      reason,
      ...(info.host ? { host: info.host } : {}),
      ...(info.range ? { range: info.range } : {}),
    });
  }
}

/** The upstream did not answer in time (connect, headers or body). */
export class EgressTimeoutError extends AppError {
  constructor(readonly timeoutMs: number) {
    super(504, 'EGRESS_TIMEOUT', `Outbound request timed out after ${timeoutMs} ms`, { timeoutMs });
  }
}

/** The response body is larger than the cap; the transfer was aborted. */
export class EgressResponseTooLargeError extends AppError {
  constructor(readonly maxBytes: number) {
    super(502, 'EGRESS_RESPONSE_TOO_LARGE', `Outbound response exceeds ${maxBytes} bytes`, { maxBytes });
  }
}

/** DNS failure, refused connection, TLS error… `cause` keeps the original for logs. */
export class EgressFailedError extends AppError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(502, 'EGRESS_FAILED', `Outbound request failed: ${detail}`, { detail });
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}
