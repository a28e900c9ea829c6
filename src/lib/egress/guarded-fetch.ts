// The one entry point for server-side HTTP(S) to URLs we do not control (spec 4.2): agent-card
// import, webhooks, push notifications, registry sync, workflow HTTP steps, update checks.
// Lint forbids fetch/undici/http.request elsewhere in src/ (see docs/development.md).
import { Agent, Headers, Response as UndiciResponse, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici';
import type { Config } from '../../config.js';
import type { Logger } from '../logger.js';
import { compileAllowlist, isAllowlisted, splitAllowlist, type Allowlist } from './allowlist.js';
import { createGuardedConnector, systemResolver, type Resolver } from './connector.js';
import {
  EgressBlockedError,
  EgressFailedError,
  EgressResponseTooLargeError,
  EgressTimeoutError,
} from './errors.js';
import { allowedPortSet, assertUrlAllowed, bareHost, parseEgressUrl } from './url-policy.js';

export type EgressConfig = Pick<
  Config,
  | 'HIVE_EGRESS_FETCH_HOST_ALLOWLIST'
  | 'HIVE_EGRESS_FETCH_MAX_REDIRECTS'
  | 'HIVE_EGRESS_FETCH_TIMEOUT_MS'
  | 'HIVE_EGRESS_FETCH_MAX_RESPONSE_BYTES'
  | 'HIVE_EGRESS_FETCH_ALLOWED_PORTS'
>;

export interface EgressGuardDeps {
  config: EgressConfig;
  /** Extra allowlist entries (the admin setting); called per request, so keep it cached. */
  allowlist?: () => Promise<readonly string[]> | readonly string[];
  /** Name resolution; defaults to the system resolver (getaddrinfo). */
  resolve?: Resolver;
  logger?: Pick<Logger, 'warn'>;
}

export type EgressRequestInit = RequestInit & {
  /** Largest response body read; the transfer is aborted past it. */
  maxBytes?: number;
  /** Whole request, redirects and body included. */
  timeoutMs?: number;
  /** At most HIVE_EGRESS_FETCH_MAX_REDIRECTS; lower only. */
  maxRedirects?: number;
};

export interface EgressGuard {
  fetch(url: string | URL, init?: EgressRequestInit): Promise<Response>;
  /** Static checks only (scheme, credentials, port, IP literals): validate a URL when it is saved. */
  checkUrl(url: string | URL): Promise<URL>;
  close(): Promise<void>;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
const CROSS_ORIGIN_STRIPPED = ['authorization', 'cookie', 'proxy-authorization'];

function isReplayable(body: unknown): boolean {
  if (body === undefined || body === null) return true;
  if (typeof body === 'string' || body instanceof Uint8Array || body instanceof ArrayBuffer) return true;
  return body instanceof URLSearchParams || body instanceof Blob || body instanceof FormData;
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function createEgressGuard(deps: EgressGuardDeps): EgressGuard {
  const { config } = deps;
  const allowedPorts = allowedPortSet(config.HIVE_EGRESS_FETCH_ALLOWED_PORTS);
  const envEntries = splitAllowlist(config.HIVE_EGRESS_FETCH_HOST_ALLOWLIST);
  let memo: { extra: readonly string[]; key: string; list: Allowlist } | null = null;

  const makeAgent = () =>
    new Agent({
      connect: createGuardedConnector({
        resolve: deps.resolve ?? systemResolver,
        connectTimeoutMs: Math.min(config.HIVE_EGRESS_FETCH_TIMEOUT_MS, 10_000),
        isAllowlisted: async (host) => isAllowlisted(await currentAllowlist(), host),
        onBlocked: (err) => deps.logger?.warn({ reason: err.reason, host: err.details?.host }, 'egress blocked'),
      }),
      headersTimeout: config.HIVE_EGRESS_FETCH_TIMEOUT_MS,
      bodyTimeout: config.HIVE_EGRESS_FETCH_TIMEOUT_MS,
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 10_000,
    });
  let agent = makeAgent();

  async function currentAllowlist(): Promise<Allowlist> {
    const extra = deps.allowlist ? await deps.allowlist() : [];
    if (memo?.extra === extra) return memo.list;
    const key = extra.join(',');
    if (memo?.key === key) {
      memo.extra = extra;
      return memo.list;
    }
    const changed = memo !== null;
    memo = { extra, key, list: compileAllowlist([...envEntries, ...extra]) };
    if (changed) {
      // Pooled connections were admitted under the old list (a removed entry must stop working
      // now, not when a busy keep-alive connection finally idles out): start a fresh pool.
      const old = agent;
      agent = makeAgent();
      void old.close().catch(() => {});
    }
    return memo.list;
  }

  async function checkUrl(input: string | URL): Promise<URL> {
    const url = parseEgressUrl(input);
    assertUrlAllowed(url, { allowedPorts, allowlist: await currentAllowlist() });
    return url;
  }

  function translate(err: unknown, timeout: AbortSignal, caller: AbortSignal | undefined | null, timeoutMs: number): unknown {
    if (err instanceof EgressBlockedError || err instanceof EgressResponseTooLargeError) return err;
    if (caller?.aborted) return caller.reason;
    if (timeout.aborted) return new EgressTimeoutError(timeoutMs);
    const cause = (err as { cause?: unknown } | null)?.cause;
    if (cause instanceof EgressBlockedError) return cause;
    const code = errorCode(cause) ?? errorCode(err);
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
      return new EgressTimeoutError(timeoutMs);
    }
    return new EgressFailedError(code ?? 'network error', { cause: err });
  }

  function capped(res: UndiciResponse, url: URL, redirected: boolean, maxBytes: number, fail: (e: unknown) => unknown, method: string): Response {
    const lengthHeader = res.headers.get('content-length');
    const declared = lengthHeader === null || lengthHeader.trim() === '' ? Number.NaN : Number(lengthHeader);
    if (Number.isFinite(declared) && declared > maxBytes) {
      void res.body?.cancel().catch(() => {});
      throw new EgressResponseTooLargeError(maxBytes);
    }
    if (res.body === null || NULL_BODY_STATUSES.has(res.status) || method === 'HEAD') {
      if (redirected) Object.defineProperty(res, 'redirected', { value: true });
      return res as unknown as Response;
    }
    // Always counted, even with a declared length: a compressed body's declared length is the
    // compressed one, and read errors (timeouts) must surface as our typed errors.
    const reader = res.body.getReader();
    let total = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) return controller.close();
          total += value.byteLength;
          if (total > maxBytes) {
            await reader.cancel().catch(() => {});
            return controller.error(new EgressResponseTooLargeError(maxBytes));
          }
          controller.enqueue(value);
        } catch (err) {
          controller.error(fail(err));
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    });
    const out = new UndiciResponse(body, { status: res.status, statusText: res.statusText, headers: res.headers });
    Object.defineProperties(out, { url: { value: url.href }, redirected: { value: redirected } });
    return out as unknown as Response;
  }

  async function guardedFetch(input: string | URL, init: EgressRequestInit = {}): Promise<Response> {
    const {
      maxBytes = config.HIVE_EGRESS_FETCH_MAX_RESPONSE_BYTES,
      timeoutMs = config.HIVE_EGRESS_FETCH_TIMEOUT_MS,
      maxRedirects: askedRedirects,
      signal: callerSignal,
      redirect = 'follow',
      ...rest
    } = init;
    delete (rest as { dispatcher?: unknown }).dispatcher;
    const maxRedirects = Math.min(askedRedirects ?? config.HIVE_EGRESS_FETCH_MAX_REDIRECTS, config.HIVE_EGRESS_FETCH_MAX_REDIRECTS);
    const timeoutSignal = AbortSignal.timeout(timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeoutSignal]) : timeoutSignal;
    const fail = (err: unknown) => translate(err, timeoutSignal, callerSignal, timeoutMs);

    let url = await checkUrl(input);
    let method = (rest.method ?? 'GET').toUpperCase();
    let body = rest.body;
    const headers = new Headers(rest.headers as ConstructorParameters<typeof Headers>[0]);

    for (let hop = 0; ; hop++) {
      if (hop > 0) {
        try {
          await checkUrl(url);
        } catch (err) {
          throw err instanceof EgressBlockedError && err.reason === 'invalid_url' ? new EgressBlockedError('invalid_redirect') : err;
        }
      }
      let res: UndiciResponse;
      try {
        res = await undiciFetch(url, {
          ...(rest as UndiciRequestInit),
          method,
          headers,
          body: body as UndiciRequestInit['body'],
          redirect: 'manual',
          signal,
          dispatcher: agent,
        });
      } catch (err) {
        throw fail(err);
      }
      const location = res.headers.get('location');
      if (!REDIRECT_STATUSES.has(res.status) || redirect === 'manual' || location === null) {
        return capped(res, url, hop > 0, maxBytes, fail, method);
      }
      await res.body?.cancel().catch(() => {});
      if (redirect === 'error') throw new EgressBlockedError('invalid_redirect', { host: bareHost(url), detail: 'this request does not follow redirects' });
      if (hop >= maxRedirects) throw new EgressBlockedError('too_many_redirects', { host: bareHost(url) });
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new EgressBlockedError('invalid_redirect', { host: bareHost(url) });
      }
      // Fetch standard, HTTP-redirect fetch: 303 (and 301/302 after POST) continue as GET without a body.
      if ((res.status === 303 && method !== 'GET' && method !== 'HEAD') || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
        for (const h of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']) headers.delete(h);
      } else if (!isReplayable(body)) {
        throw new EgressFailedError('redirect needs the request body again but it was a stream');
      }
      if (next.origin !== url.origin) for (const h of CROSS_ORIGIN_STRIPPED) headers.delete(h);
      url = next;
    }
  }

  return {
    fetch: guardedFetch,
    checkUrl,
    async close() {
      await agent.close();
    },
  };
}
