// HTTP adapter of the A2A gateway: thin routes over A2aService. JSON-RPC routes live in their
// own scope: their bodies are parsed here (so the core answers bad JSON with a JSON-RPC error),
// and every failure, including authentication and size limits, is a JSON-RPC envelope.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, RateLimitedError } from '../../lib/errors.js';
import type { A2aService } from './a2a.service.js';
import { INVALID_JSON, type JsonRpcCall } from './gateway/jsonrpc-gateway.js';
import { CODES, errorResponse } from './gateway/jsonrpc-protocol.js';

const slug = z.string().min(1).max(128).regex(/^[A-Za-z0-9._-]+$/);
const card = z.record(z.string().max(256), z.unknown());
const SSE_KEEPALIVE_MS = 15_000;

const statusSchema = z.object({
  enabled: z.boolean(),
  protocolVersions: z.array(z.string().max(8)).max(4),
  bindings: z.array(z.string().max(16)).max(4),
  taskStore: z.enum(['redis', 'postgres', 'memory']),
  taskTtlSeconds: z.number().int(),
  jsonrpcMinRole: z.enum(['viewer', 'operator', 'admin']),
  maxBodyBytes: z.number().int(),
  rateLimit: z.object({ max: z.number().int(), windowMs: z.number().int() }),
  publicJsonRpc: z.object({
    enabled: z.boolean(),
    allowedMethods: z.array(z.string().max(128)).max(64),
    rateLimit: z.object({ max: z.number().int(), windowMs: z.number().int() }),
  }),
  pushNotifications: z.object({ enabled: z.boolean(), egressConfigured: z.boolean() }),
  remoteAgents: z.object({ egressConfigured: z.boolean() }),
  tasksRunningHere: z.number().int(),
  endpoints: z.object({
    platformCard: z.string().max(2048),
    platformJsonRpc: z.string().max(2048),
    agentCard: z.string().max(2048),
    agentJsonRpc: z.string().max(2048),
  }),
});

const deliverySchema = z.object({
  id: z.string().max(64),
  taskId: z.string().max(256),
  configId: z.string().max(256),
  target: z.string().max(2048),
  eventKind: z.string().max(32),
  attempt: z.number().int(),
  outcome: z.enum(['delivered', 'retrying', 'failed']),
  httpStatus: z.number().int().nullable(),
  error: z.string().max(1000).nullable(),
  durationMs: z.number().int(),
  createdAt: z.string().max(64),
});

const jsonRpcDoc = z
  .unknown()
  .describe('A JSON-RPC 2.0 request of A2A 1.0 (A2A-Version: 1.0, PascalCase methods) or 0.3 (no header, message/send …)');

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return typeof v === 'string' ? v.slice(0, 1024) : undefined;
}

function cardHeaders(reply: FastifyReply): void {
  // The card depends on the version asked for and on who asks (visible agents, skills).
  reply.header('vary', 'A2A-Version, Authorization, Cookie');
  reply.header('cache-control', 'private, max-age=60');
}

export async function a2aRoutes(app: FastifyInstance, opts: { a2a: A2aService }): Promise<void> {
  const { a2a } = opts;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/a2a/status',
    {
      config: { access: 'viewer' },
      schema: { tags: ['a2a'], summary: 'A2A configuration summary (no secrets)', response: { 200: statusSchema } },
    },
    async () => a2a.status(),
  );

  r.get(
    '/api/a2a/push-deliveries',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['a2a'],
        summary: 'Push-notification delivery log, newest first',
        querystring: z.object({
          taskId: z.string().max(256).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: z.object({ deliveries: z.array(deliverySchema).max(500) }) },
      },
    },
    async (request) => ({ deliveries: await a2a.deliveries(request.query) }),
  );

  if (!a2a.settings.enabled) return;

  r.get(
    '/.well-known/agent-card.json',
    {
      config: { access: 'public' },
      schema: {
        tags: ['a2a'],
        summary: 'Pilox as an A2A agent: its skills are the agents the caller may see',
        headers: z.object({ 'a2a-version': z.string().max(32).optional() }),
        response: { 200: card },
      },
    },
    async (request, reply) => {
      cardHeaders(reply);
      return (await a2a.platformCard(request.principal, header(request, 'a2a-version'))) as Record<string, unknown>;
    },
  );

  r.get(
    '/a2a/agents/:slug/.well-known/agent-card.json',
    {
      config: { access: 'public' },
      schema: {
        tags: ['a2a'],
        summary: 'Agent card of one agent (A2A 1.0, or 0.3 without A2A-Version)',
        params: z.object({ slug }),
        headers: z.object({ 'a2a-version': z.string().max(32).optional() }),
        response: { 200: card },
      },
    },
    async (request, reply) => {
      cardHeaders(reply);
      return (await a2a.agentCard(request.params.slug, request.principal, header(request, 'a2a-version'))) as Record<string, unknown>;
    },
  );

  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      ['application/json', 'application/a2a+json'],
      { parseAs: 'buffer', bodyLimit: a2a.settings.maxBodyBytes },
      (_request, body, done) => {
        try {
          done(null, JSON.parse((body as Buffer).toString('utf8')));
        } catch {
          done(null, INVALID_JSON);
        }
      },
    );
    scope.setErrorHandler((err: FastifyError, request, reply) => jsonRpcFailure(err, request, reply, a2a.settings.maxBodyBytes));

    const sr = scope.withTypeProvider<ZodTypeProvider>();
    const run = (request: FastifyRequest, reply: FastifyReply, target: JsonRpcCall['target']) =>
      answer(request, reply, a2a, {
        target,
        principal: request.principal,
        body: request.body,
        versionHeader: header(request, 'a2a-version'),
        extensionsHeader: header(request, 'a2a-extensions') ?? header(request, 'x-a2a-extensions'),
        // HIVE_CLIENT_IP_SOURCE, resolved by the client-ip plugin (spec §4.1).
        clientIp: request.clientIp,
      });

    sr.post(
      '/a2a/agents/:slug',
      {
        config: { access: 'custom' },
        schema: {
          tags: ['a2a'],
          summary: 'A2A JSON-RPC endpoint of one agent (session, Bearer token, or public when enabled)',
          params: z.object({ slug: z.string().min(1).max(256) }),
          body: jsonRpcDoc,
        },
      },
      (request, reply) => run(request, reply, { kind: 'agent', slug: request.params.slug }),
    );

    sr.post(
      '/api/a2a/jsonrpc',
      {
        config: { access: 'custom' },
        schema: {
          tags: ['a2a'],
          summary: 'Platform A2A JSON-RPC endpoint: routes by params.tenant or message metadata pilox.agent',
          body: jsonRpcDoc,
        },
      },
      (request, reply) => run(request, reply, { kind: 'platform' }),
    );
  });
}

async function answer(request: FastifyRequest, reply: FastifyReply, a2a: A2aService, call: JsonRpcCall): Promise<unknown> {
  const result = await a2a.handleJsonRpc(call);
  if (result.kind === 'json') {
    if (result.retryAfterSeconds) reply.header('retry-after', String(result.retryAfterSeconds));
    return reply.status(result.status).type('application/json; charset=utf-8').send(JSON.stringify(result.body));
  }
  // Server-sent events (A2A §9.4.2): one JSON-RPC response per event.
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': String(request.id),
  });
  const events = result.events;
  const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), SSE_KEEPALIVE_MS);
  // A client that goes away stops its stream, not the task (it can resubscribe).
  raw.on('close', () => void events.return(undefined).catch(() => {}));
  try {
    for await (const event of events) {
      if (raw.destroyed) break;
      raw.write(`data: ${JSON.stringify(event)}\n\n`);
    }
  } catch (err) {
    if (!raw.destroyed) raw.write(`event: error\ndata: ${JSON.stringify(result.onError(err))}\n\n`);
  } finally {
    clearInterval(keepAlive);
    if (!raw.writableEnded) raw.end();
  }
  return reply;
}

/** Failures before the core ran (credentials, size, media type) as JSON-RPC envelopes. */
function jsonRpcFailure(err: FastifyError, request: FastifyRequest, reply: FastifyReply, maxBodyBytes: number) {
  const send = (status: number, code: number, message: string, reason?: string) =>
    reply
      .status(status)
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(errorResponse(null, code, message, '1.0', reason)));
  if (err instanceof AppError) {
    if (err instanceof RateLimitedError) reply.header('retry-after', String(err.retryAfterSeconds));
    if (err.status === 401) return send(401, CODES.UNAUTHENTICATED, err.message, 'UNAUTHENTICATED');
    if (err.status === 403) return send(403, CODES.PERMISSION_DENIED, err.message, 'PERMISSION_DENIED');
    if (err.status === 429) return send(429, CODES.RATE_LIMITED, err.message, 'RATE_LIMITED');
    if (err.status < 500) return send(err.status, CODES.INVALID_REQUEST, err.message, err.code);
    // e.g. the federation replay store is down: retryable, not an internal error.
    if (err.status === 503) return send(503, CODES.INTERNAL_ERROR, err.message, err.code);
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return send(413, CODES.INVALID_REQUEST, `Invalid Request: the body is larger than ${maxBodyBytes} bytes`, 'PAYLOAD_TOO_LARGE');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return send(415, CODES.INVALID_REQUEST, 'Invalid Request: Content-Type must be application/json', 'UNSUPPORTED_MEDIA_TYPE');
  }
  if (err.validation) return send(404, CODES.AGENT_NOT_FOUND, 'Agent not found', 'AGENT_NOT_FOUND');
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return send(err.statusCode, CODES.INVALID_REQUEST, 'Invalid Request');
  request.log.error({ err }, 'a2a: JSON-RPC request failed');
  return send(500, CODES.INTERNAL_ERROR, 'Internal error');
}
