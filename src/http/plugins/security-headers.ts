// Browser-facing protections: helmet's headers and CORS for the AUTH_URL origin only.
//
// Measured choices (bench/health.ts, 2 cores): @fastify/helmet rebuilds its middleware on every
// request and @fastify/cors spreads its options and writes headers on every request even when
// no Origin is sent; together they cut the health ratio from 0.89 to 0.61. So helmet's headers
// are computed once, API responses get the short API set (a JSON body needs no SPA policy), and
// CORS headers are written only for requests that carry the allowed Origin.
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

type HeaderSink = { setHeader(name: string, value: string): void; removeHeader(name: string): void };

const HSTS = { maxAge: 31_536_000, includeSubDomains: true };

/** The headers helmet writes with `options`, recorded once. */
function helmetHeaders(options: Parameters<typeof helmet>[0]): Record<string, string> {
  const headers: Record<string, string> = {};
  const sink: HeaderSink = { setHeader: (n, v) => void (headers[n.toLowerCase()] = String(v)), removeHeader: () => {} };
  helmet(options)({} as never, sink as never, () => {});
  return headers;
}

/** For the dashboard and other documents: a CSP for a same-origin single-page app. */
export function documentHeaders(origin: string): Record<string, string> {
  return helmetHeaders({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        // Component libraries set inline style attributes; scripts stay strict.
        styleSrc: ["'self'", "'unsafe-inline'"],
        workerSrc: ["'self'", 'blob:'],
        ...(origin.startsWith('https:') ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: HSTS,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    xFrameOptions: { action: 'deny' },
  });
}

/** For /api responses (JSON): nothing may render, frame or sniff them. */
export function apiHeaders(): Record<string, string> {
  return helmetHeaders({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    strictTransportSecurity: HSTS,
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: false,
    crossOriginOpenerPolicy: false,
    crossOriginResourcePolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  });
}

const CORS_METHODS = 'GET,HEAD,POST,PUT,PATCH,DELETE';
const CORS_HEADERS = 'content-type,authorization,x-request-id,x-hive-setup-token';

export function registerSecurityHeaders(app: FastifyInstance, opts: { origin: string }): void {
  const api = apiHeaders();
  const documents = documentHeaders(opts.origin);
  const corsHeaders = {
    'access-control-allow-origin': opts.origin,
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': 'x-request-id,retry-after',
    vary: 'Origin',
  };
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(request.url.startsWith('/api/') ? api : documents);
    if (request.headers.origin === opts.origin) reply.headers(corsHeaders);
    done();
  });

  // CORS preflight. Other origins get no Access-Control-Allow-* headers, so browsers refuse.
  app.options('*', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    if (request.headers.origin === opts.origin) {
      reply.headers({ 'access-control-allow-methods': CORS_METHODS, 'access-control-allow-headers': CORS_HEADERS, 'access-control-max-age': '600' });
    }
    return reply.status(204).send();
  });
}
