// A fetch for the SDK client that speaks HTTP/1.1 to one unix socket with undici's request API.
// WHATWG fetch costs several times the CPU of the request itself on this path (measured:
// ~16% of a forwarded call went to undici's fetch internals); the SDK only needs a Response.
import { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';

function headersOf(init: RequestInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init?.headers).forEach((v, k) => (out[k] = v));
  return out;
}

export function socketFetch(dispatcher: Dispatcher): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const res = await request(url, {
      method: (init?.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: headersOf(init),
      body: (init?.body ?? undefined) as string | Buffer | undefined,
      signal: init?.signal ?? undefined,
      dispatcher,
    });
    const headers = new Headers();
    for (const [k, v] of Object.entries(res.headers)) {
      if (Array.isArray(v)) for (const x of v) headers.append(k, x);
      else if (v !== undefined) headers.set(k, v);
    }
    const init2 = { status: res.statusCode, headers };
    // Null-body statuses cannot carry a body in a Response.
    if (res.statusCode === 204 || res.statusCode === 304) {
      await res.body.dump();
      return new Response(null, init2);
    }
    if ((headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      return new Response(Readable.toWeb(res.body) as ReadableStream, init2);
    }
    return new Response(await res.body.arrayBuffer(), init2);
  }) as typeof fetch;
}
