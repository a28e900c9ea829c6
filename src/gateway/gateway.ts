// `pilox gateway` (spec §4.1): the public entry for A2A JSON-RPC from the Internet, in front of
// the app. It enforces per-IP limits shared by every gateway replica through
// GATEWAY_RATE_LIMIT_REDIS_URL, body and time limits, and forwards to the app's public A2A
// endpoints with X-Pilox-Gateway-Secret (MESH_GATEWAY_INBOUND_SECRET), which the app checks.
// As the edge, it overwrites the client-address headers so the app's limits see the real caller.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { parseIp, resolveClientIp, type ClientIpSource } from '../http/plugins/client-ip.js';
import type { Kv } from '../lib/kv/kv.js';
import type { GatewayUpstream } from './upstream.js';

export { GATEWAY_SECRET_HEADER } from '../modules/mesh/gateway-check.js';
import { GATEWAY_SECRET_HEADER } from '../modules/mesh/gateway-check.js';

/** Request headers passed to the app; everything else (cookies, hop-by-hop, spoofable IP headers) is dropped. */
const FORWARDED_HEADERS = [
  'content-type',
  'accept',
  'a2a-version',
  'a2a-extensions',
  'x-a2a-extensions',
  'authorization',
  'x-hive-federation-jwt',
  'x-hive-federation-secret',
  'x-request-id',
  'traceparent',
];
/** Slugs as the app names them (local and `fed<n>--…`): nothing a URL parser re-reads as a path. */
const SAFE_SLUG = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;

/**
 * The upstream path, rebuilt from the matched route: never the raw request URL, which the
 * upstream URL parser would normalize (`\` is `/` and `%2e%2e` is `..` there), so a slug like
 * `..\..\api\auth\login` would reach any path of the app with the gateway secret.
 */
function upstreamPath(request: FastifyRequest): string | null {
  const route = request.routeOptions.url ?? '';
  const q = request.url.indexOf('?');
  const search = q >= 0 ? request.url.slice(q) : '';
  if (!route.includes(':slug')) return route + search;
  const slug = (request.params as { slug?: string }).slug ?? '';
  if (!SAFE_SLUG.test(slug)) return null;
  return route.replace(':slug', slug) + search;
}

/** Response headers passed back. */
const RETURNED_HEADERS = ['content-type', 'cache-control', 'retry-after', 'x-request-id', 'vary'];

export interface GatewaySettings {
  rateLimit: { max: number; windowMs: number };
  maxBodyBytes: number;
  /** Slow clients: the whole request (headers and body) must arrive within this. */
  requestTimeoutMs: number;
  inboundSecret?: string;
  /**
   * 'socket' at the edge (the default: `auto` would trust X-Client-Ip sent by Internet clients);
   * real_ip / xff_* when a load balancer in front of the gateway sets those headers.
   */
  clientIpSource: Exclude<ClientIpSource, 'auto'> | 'socket';
}

function rpcError(reply: FastifyReply, status: number, code: number, message: string, reason: string) {
  return reply
    .status(status)
    .type('application/json; charset=utf-8')
    .send(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message, data: [{ reason }] } }));
}

export function buildGateway(deps: { settings: GatewaySettings; kv: Kv; upstream: GatewayUpstream; logger?: boolean }): {
  app: FastifyInstance;
  metrics: Registry;
} {
  const { settings, kv, upstream } = deps;
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const requests = new Counter({
    name: 'pilox_gateway_requests_total',
    help: 'Gateway requests by route and outcome',
    labelNames: ['route', 'outcome'] as const,
    registers: [metrics],
  });
  const duration = new Histogram({
    name: 'pilox_gateway_upstream_duration_seconds',
    help: 'Time to the first byte of the app answer',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [metrics],
  });

  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: settings.maxBodyBytes,
    requestTimeout: settings.requestTimeoutMs,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'application/a2a+json'], { parseAs: 'buffer' }, (_r, body, done) => done(null, body));

  app.setErrorHandler((err: { code?: string; statusCode?: number }, request, reply) => {
    requests.inc({ route: request.routeOptions.url ?? 'unmatched', outcome: 'refused' });
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return rpcError(reply, 413, -32600, `Invalid Request: the body is larger than ${settings.maxBodyBytes} bytes`, 'PAYLOAD_TOO_LARGE');
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return rpcError(reply, 415, -32600, 'Invalid Request: Content-Type must be application/json', 'UNSUPPORTED_MEDIA_TYPE');
    if (err.statusCode && err.statusCode < 500) return rpcError(reply, err.statusCode, -32600, 'Invalid Request', 'INVALID_REQUEST');
    request.log.error({ err }, 'gateway: request failed');
    return rpcError(reply, 502, -32603, 'Upstream unavailable', 'UPSTREAM_UNAVAILABLE');
  });

  async function limited(request: FastifyRequest, reply: FastifyReply, ip: string): Promise<boolean> {
    let r;
    try {
      r = await kv.slidingWindow(`hive:rl:gateway:${ip}`, settings.rateLimit.max, settings.rateLimit.windowMs);
    } catch (err) {
      // Without the shared counter the limit cannot be enforced across replicas: refuse (fail closed).
      request.log.error({ err }, 'gateway: rate-limit store unavailable');
      await rpcError(reply, 503, -32603, 'Rate limiting unavailable', 'RATE_LIMIT_UNAVAILABLE');
      return true;
    }
    if (r.allowed) return false;
    reply.header('retry-after', String(Math.max(1, Math.ceil(r.retryAfterMs / 1000))));
    await rpcError(reply, 429, -32042, 'Too many requests', 'RATE_LIMITED');
    return true;
  }

  async function forward(request: FastifyRequest, reply: FastifyReply, method: 'GET' | 'POST') {
    const route = request.routeOptions.url ?? 'unmatched';
    const ip =
      settings.clientIpSource === 'socket'
        ? (parseIp(request.raw.socket?.remoteAddress) ?? 'unknown')
        : resolveClientIp(request.headers, request.raw.socket?.remoteAddress, settings.clientIpSource);
    if (await limited(request, reply, ip)) {
      requests.inc({ route, outcome: 'rate_limited' });
      return reply;
    }
    const headers: Record<string, string> = {};
    for (const h of FORWARDED_HEADERS) {
      const v = request.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    // The edge replaces, never appends: whatever the client sent in these is discarded.
    headers['x-forwarded-for'] = ip;
    headers['x-real-ip'] = ip;
    headers['x-client-ip'] = ip;
    if (settings.inboundSecret) headers[GATEWAY_SECRET_HEADER] = settings.inboundSecret;
    const ac = new AbortController();
    request.raw.once('close', () => {
      if (!reply.raw.writableEnded) ac.abort();
    });
    const path = upstreamPath(request);
    if (path === null) {
      requests.inc({ route, outcome: 'refused' });
      return rpcError(reply, 404, -32600, 'Invalid Request: no such agent', 'AGENT_NOT_FOUND');
    }
    const stopTimer = duration.startTimer({ route });
    let res;
    try {
      res = await upstream.forward({
        method,
        path,
        headers,
        ...(method === 'POST' ? { body: request.body as Buffer } : {}),
        signal: ac.signal,
      });
    } catch (err) {
      requests.inc({ route, outcome: 'upstream_error' });
      request.log.warn({ err }, 'gateway: upstream failed');
      return rpcError(reply, 502, -32603, 'Upstream unavailable', 'UPSTREAM_UNAVAILABLE');
    } finally {
      stopTimer();
    }
    requests.inc({ route, outcome: String(res.status) });
    reply.status(res.status);
    for (const h of RETURNED_HEADERS) {
      const v = res.headers[h];
      if (v !== undefined) reply.header(h, v);
    }
    // Streams (text/event-stream) flow through as they come.
    return reply.send(res.body);
  }

  const post = (request: FastifyRequest, reply: FastifyReply) => forward(request, reply, 'POST');
  const get = (request: FastifyRequest, reply: FastifyReply) => forward(request, reply, 'GET');
  app.post('/api/a2a/jsonrpc', post);
  app.post('/a2a/agents/:slug', post);
  app.get('/.well-known/agent-card.json', get);
  app.get('/a2a/agents/:slug/.well-known/agent-card.json', get);
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/metrics', async (_req, reply) => reply.type(metrics.contentType).send(await metrics.metrics()));
  return { app, metrics };
}
