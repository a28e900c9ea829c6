// What the egress guard lets through, and how it behaves on the way: allowlisted hosts (env,
// *.suffix, dynamic admin list, IP literals), redirects, size cap, timeouts, typed failures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import {
  createEgressGuard,
  type EgressBlockedError,
  EgressFailedError,
  EgressResponseTooLargeError,
  EgressTimeoutError,
  type EgressGuard,
  type Resolver,
} from '../../src/lib/egress/index.js';
import { testEnv } from '../helpers/app.js';
import { startLoopbackServer, type LoopbackServer } from '../fixtures/loopback-http.js';

let server: LoopbackServer;
let guard: EgressGuard;
let dynamic: string[] = [];
let closedPort = 0;

// Public-looking names, all answered with loopback by this stub.
const resolver: Resolver = async (hostname) => {
  if (hostname.endsWith('.example.com') || hostname.endsWith('.example')) return [{ address: '127.0.0.1', family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
};

beforeAll(async () => {
  server = await startLoopbackServer('127.0.0.1');
  const spare = await startLoopbackServer('127.0.0.1');
  closedPort = spare.port;
  await spare.close();
  const config = loadConfig(
    testEnv({
      HIVE_EGRESS_FETCH_ALLOWED_PORTS: `${server.port},${closedPort}`,
      HIVE_EGRESS_FETCH_HOST_ALLOWLIST: 'api.example.com, *.svc.example, 127.0.0.1',
      HIVE_EGRESS_FETCH_MAX_REDIRECTS: '3',
      HIVE_EGRESS_FETCH_TIMEOUT_MS: '5000',
      HIVE_EGRESS_FETCH_MAX_RESPONSE_BYTES: '65536',
    }),
  );
  guard = createEgressGuard({ config, resolve: resolver, allowlist: () => dynamic });
});

afterAll(async () => {
  await guard?.close();
  await server?.close();
});

const base = () => `http://api.example.com:${server.port}`;

type Echo = { method: string; body: string; headers: Record<string, string | undefined> };
const echo = async (res: Response) => (await res.json()) as Echo;

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('egress guard: allowed requests', () => {
  it('fetches from an allowlisted host that resolves to loopback', async () => {
    const res = await guard.fetch(`${base()}/ok`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello from /ok');
    expect(res.url).toBe(`${base()}/ok`);
    expect(res.redirected).toBe(false);
  });

  it('covers subdomains of a *.suffix entry and allowlisted IP literals', async () => {
    const sub = await guard.fetch(`http://a.b.svc.example:${server.port}/sub`);
    expect(await sub.text()).toBe('hello from /sub');
    const literal = await guard.fetch(`http://127.0.0.1:${server.port}/literal`);
    expect(await literal.text()).toBe('hello from /literal');
  });

  it('applies the dynamic (admin) list on the next request', async () => {
    const url = `http://dyn.example:${server.port}/dyn`;
    expect(((await rejection(guard.fetch(url))) as EgressBlockedError).reason).toBe('address_blocked');
    dynamic = ['dyn.example'];
    expect(await (await guard.fetch(url)).text()).toBe('hello from /dyn');
    dynamic = [];
    // The keep-alive connection opened while allowlisted is not reused once the entry is gone.
    expect(((await rejection(guard.fetch(url))) as EgressBlockedError).reason).toBe('address_blocked');
  });

  it('follows redirects up to the cap and reports the final URL', async () => {
    const res = await guard.fetch(`${base()}/chain?n=3`);
    expect(await res.text()).toBe('end of chain');
    expect(res.redirected).toBe(true);
    expect(res.url).toBe(`${base()}/chain?n=0`);
    const err = await rejection(guard.fetch(`${base()}/chain?n=2`, { maxRedirects: 1 }));
    expect((err as EgressBlockedError).reason).toBe('too_many_redirects');
  });

  it('turns POST into GET on 303 and replays method and body on 307', async () => {
    const to303 = `${base()}/redirect?status=303&to=/echo`;
    const r303 = await echo(await guard.fetch(to303, { method: 'POST', body: 'payload', headers: { 'content-type': 'text/plain' } }));
    expect(r303).toMatchObject({ method: 'GET', body: '' });
    expect(r303.headers['content-type']).toBeUndefined();
    const to307 = `${base()}/redirect?status=307&to=/echo`;
    const r307 = await echo(await guard.fetch(to307, { method: 'POST', body: 'payload' }));
    expect(r307).toMatchObject({ method: 'POST', body: 'payload' });
  });

  it('drops credentials headers on a cross-origin redirect, keeps them on the same origin', async () => {
    const headers = { authorization: 'Bearer t0ken', cookie: 'a=b', 'x-custom': 'kept' };
    const same = await echo(await guard.fetch(`${base()}/redirect?to=/echo`, { headers }));
    expect(same.headers).toMatchObject({ authorization: 'Bearer t0ken', cookie: 'a=b' });
    const cross = `${base()}/redirect?to=${encodeURIComponent(`http://x.svc.example:${server.port}/echo`)}`;
    const other = await echo(await guard.fetch(cross, { headers }));
    expect(other.headers.authorization).toBeUndefined();
    expect(other.headers.cookie).toBeUndefined();
    expect(other.headers['x-custom']).toBe('kept');
  });

  it('returns the 3xx itself with redirect: manual, and refuses with redirect: error', async () => {
    const res = await guard.fetch(`${base()}/redirect?to=/elsewhere`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/elsewhere');
    const err = await rejection(guard.fetch(`${base()}/redirect?to=/elsewhere`, { redirect: 'error' }));
    expect((err as EgressBlockedError).reason).toBe('invalid_redirect');
  });

  it('refuses a body declared larger than the cap before reading it', async () => {
    const err = await rejection(guard.fetch(`${base()}/big?bytes=70000`));
    expect(err).toBeInstanceOf(EgressResponseTooLargeError);
    expect((err as EgressResponseTooLargeError).code).toBe('EGRESS_RESPONSE_TOO_LARGE');
  });

  it('aborts a streamed body once it passes the cap, and reads one at the cap', async () => {
    const res = await guard.fetch(`${base()}/big?bytes=200000&chunked=1`);
    expect(res.status).toBe(200);
    expect(await rejection(res.arrayBuffer())).toBeInstanceOf(EgressResponseTooLargeError);
    const exact = await guard.fetch(`${base()}/big?bytes=4096&chunked=1`, { maxBytes: 4096 });
    expect((await exact.arrayBuffer()).byteLength).toBe(4096);
    const small = await guard.fetch(`${base()}/big?bytes=4097&chunked=1`, { maxBytes: 4096 });
    expect(await rejection(small.text())).toBeInstanceOf(EgressResponseTooLargeError);
  });

  it('times out with EGRESS_TIMEOUT', async () => {
    const started = Date.now();
    const err = await rejection(guard.fetch(`${base()}/slow?ms=3000`, { timeoutMs: 200 }));
    expect(err).toBeInstanceOf(EgressTimeoutError);
    expect((err as EgressTimeoutError).status).toBe(504);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('times out while reading a stalled body with EGRESS_TIMEOUT', async () => {
    const res = await guard.fetch(`${base()}/stall`, { timeoutMs: 300 });
    expect(res.status).toBe(200);
    expect(await rejection(res.text())).toBeInstanceOf(EgressTimeoutError);
  });

  it("passes the caller's own abort through untranslated", async () => {
    const ctl = new AbortController();
    const p = guard.fetch(`${base()}/slow?ms=3000`, { signal: ctl.signal });
    setTimeout(() => ctl.abort(new Error('caller gave up')), 50);
    expect(((await rejection(p)) as Error).message).toBe('caller gave up');
  });

  it('reports a refused connection and an unknown host as EGRESS_FAILED', async () => {
    const refused = await rejection(guard.fetch(`http://api.example.com:${closedPort}/`));
    expect(refused).toBeInstanceOf(EgressFailedError);
    expect((refused as EgressFailedError).details).toEqual({ detail: 'ECONNREFUSED' });
    const unknown = await rejection(guard.fetch(`http://nowhere.invalid:${server.port}/`));
    expect((unknown as EgressFailedError).code).toBe('EGRESS_FAILED');
  });

  it('answers HEAD without a body', async () => {
    const res = await guard.fetch(`${base()}/ok`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.body).toBeNull();
  });
});
