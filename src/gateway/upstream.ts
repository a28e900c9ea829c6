// The gateway's connection to the Pilox app it fronts. The target is GATEWAY_UPSTREAM_URL (the
// operator's own app, usually on a private address), never a URL from a request: only the path
// is taken from the fixed set of routes the gateway serves. That is why this file is exempt
// from the egress guard (eslint.config.js EGRESS_EXEMPT), which would refuse private addresses.
import { Agent, request, type Dispatcher } from 'undici';

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

export function createUpstream(opts: { baseUrl: string; timeoutMs: number }) {
  const base = new URL(opts.baseUrl);
  // headersTimeout bounds the wait for the app's first byte; bodyTimeout the gap between chunks
  // of a stream (A2A streams send keep-alives every 15 s).
  const dispatcher = new Agent({ headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs, keepAliveTimeout: 10_000 });
  return {
    async forward(input: {
      method: 'GET' | 'POST';
      path: string;
      headers: Record<string, string>;
      body?: Buffer;
      signal?: AbortSignal;
    }): Promise<UpstreamResponse> {
      if (!input.path.startsWith('/')) throw new Error('gateway upstream: path must be absolute');
      const url = new URL(input.path, base);
      const res = await request(url, {
        method: input.method,
        headers: input.headers,
        body: input.body,
        dispatcher,
        signal: input.signal,
      });
      return { status: res.statusCode, headers: res.headers, body: res.body };
    },
    close: () => dispatcher.close(),
  };
}

export type GatewayUpstream = ReturnType<typeof createUpstream>;
