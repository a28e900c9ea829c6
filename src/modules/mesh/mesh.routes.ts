// /api/mesh/*: operator views of the signed bus (SSE), federation status/directory/proxy and
// the WAN ingress (spec §10, §11). Thin: rules live in mesh.service.ts and federation/.
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { hasRole, principalId } from '../../http/principal.js';
import { CHANNELS, type BusEvent } from '../../lib/events/event-bus.js';
import { AppError, ForbiddenError } from '../../lib/errors.js';
import type { MeshService } from './mesh.service.js';
import { WAN_INGRESS_BODY_LIMIT, wanEnvelopeSchema } from './wan/wan-envelope.js';

const TAGS = ['mesh'];
const SSE_KEEPALIVE_MS = 15_000;
const CHANNEL_NAMES = { system: CHANNELS.system, agentStatus: CHANNELS.agentStatus } as const;

const probeSchema = z.object({
  ok: z.boolean(),
  httpStatus: z.number().int().nullable(),
  latencyMs: z.number().int(),
  agents: z.number().int().nullable(),
  error: z.string().max(128).nullable(),
  checkedAt: z.string().max(64),
});

const statusSchema = z.object({
  enabled: z.boolean(),
  origin: z.string().max(2048),
  audience: z.string().max(2048),
  jwtAlg: z.enum(['HS256', 'Ed25519']),
  sharedSecretConfigured: z.boolean(),
  requireAudience: z.boolean(),
  requireJti: z.boolean(),
  jwtTtlSeconds: z.number().int(),
  clockSkewLeewaySeconds: z.number().int(),
  allowLegacySecret: z.boolean(),
  proxySendSecret: z.boolean(),
  inboundAllowlistEntries: z.number().int(),
  rateLimit: z.object({ max: z.number().int(), windowMs: z.number().int() }),
  peers: z
    .array(
      z.object({
        index: z.number().int(),
        origin: z.string().max(2048),
        agentCardUrl: z.string().max(2100),
        ed25519Key: z.boolean(),
        probe: probeSchema.optional(),
      }),
    )
    .max(64),
});

const directorySchema = z.object({
  enabled: z.boolean(),
  peers: z
    .array(
      z.object({
        index: z.number().int(),
        origin: z.string().max(2048),
        agentCardUrl: z.string().max(2100),
        jsonRpcUrl: z.string().max(2100),
        agents: z
          .array(
            z.object({
              id: z.string().max(256),
              name: z.string().max(256),
              description: z.string().max(2000).optional(),
              tags: z.array(z.string().max(64)).max(32).optional(),
              localSlug: z.string().max(160).describe('Call it here: POST /a2a/agents/{localSlug} (or params.tenant)'),
            }),
          )
          .max(500),
        agentsFetchedAt: z.string().max(64).nullable(),
      }),
    )
    .max(64),
});

function writeSse(reply: FastifyReply, requestId: string) {
  reply.hijack();
  reply.raw.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': requestId,
  });
  return reply.raw;
}

export const meshRoutes: FastifyPluginAsyncZod<{ mesh: MeshService }> = async (app, { mesh }) => {
  app.get(
    '/api/mesh/events',
    {
      config: { access: 'operator' },
      schema: {
        tags: TAGS,
        summary: 'Watch mesh bus events (server-sent events; only events that pass meshSig verification)',
        querystring: z.strictObject({
          channel: z.enum(['system', 'agentStatus', 'all']).default('all'),
          type: z.string().max(128).optional().describe('Only events whose type starts with this prefix'),
        }),
        response: { 200: z.string().max(0).describe('text/event-stream: `event: <type>` and `data: {channel, type, data, meshMeta}`') },
      },
    },
    async (request, reply) => {
      // The endpoint only streams; a client that cannot read a stream gets a clear answer
      // instead of a request that never completes.
      if (!/text\/event-stream/.test(request.headers.accept ?? '')) {
        throw new AppError(406, 'NOT_ACCEPTABLE', 'This endpoint streams server-sent events: send Accept: text/event-stream');
      }
      const { channel, type } = request.query;
      const channels = channel === 'all' ? Object.values(CHANNEL_NAMES) : [CHANNEL_NAMES[channel]];
      const raw = writeSse(reply, String(request.id));
      // Agent status events name their owner: operators watch their own agents only (another
      // owner's private agent stays invisible, as it is a 404 on /api/agents); admins see all.
      const me = principalId(request.principal);
      const seesAll = hasRole(request.principal, 'admin');
      const send = (event: BusEvent, ch: string) => {
        if (type && !event.type.startsWith(type)) return;
        if (ch === CHANNELS.agentStatus && !seesAll && (event.data as { ownerId?: unknown } | null)?.ownerId !== me) return;
        if (raw.destroyed) return;
        // meshSig is the transport's business; watchers get the verified event.
        raw.write(`event: ${event.type.replace(/[\r\n]/g, '')}\ndata: ${JSON.stringify({ channel: ch, type: event.type, data: event.data, meshMeta: event.meshMeta })}\n\n`);
      };
      const offs = await Promise.all(channels.map((ch) => mesh.events.subscribe(ch, send)));
      // Tells the client the subscription is live (events published before this are not replayed).
      raw.write(': subscribed\n\n');
      const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), SSE_KEEPALIVE_MS);
      await new Promise<void>((resolve) => raw.once('close', resolve));
      clearInterval(keepAlive);
      await Promise.all(offs.map((off) => off().catch(() => {})));
      return reply;
    },
  );

  app.get(
    '/api/mesh/federation/status',
    {
      config: { access: 'viewer' },
      schema: {
        tags: TAGS,
        summary: 'Federation settings summary (no secrets); ?probe=1 (operator+) fetches each peer agent card',
        querystring: z.strictObject({ probe: z.enum(['0', '1', 'true', 'false']).optional() }),
        response: { 200: statusSchema },
      },
    },
    async (request) => {
      const probe = request.query.probe === '1' || request.query.probe === 'true';
      // Probing makes outbound calls on the operator's behalf: a step above reading the summary.
      if (probe && !hasRole(request.principal, 'operator')) throw new ForbiddenError('Probing peers requires the operator role', 'INSUFFICIENT_ROLE');
      return mesh.federation.status({ probe });
    },
  );

  app.get(
    '/api/mesh/federation/directory',
    {
      config: { access: 'viewer' },
      schema: {
        tags: TAGS,
        summary: 'Peers (origins, agent card and JSON-RPC URLs) and their agents as last probed; no network call',
        response: { 200: directorySchema },
      },
    },
    async () => mesh.federation.directory(),
  );

  app.post(
    '/api/mesh/federation/proxy/jsonrpc',
    {
      config: { access: 'operator' },
      schema: {
        tags: TAGS,
        summary: 'Relay one A2A JSON-RPC request to a peer as this instance (JWT minted per call; streams pass through)',
        headers: z.object({ 'a2a-version': z.string().max(32).optional() }),
        body: z.strictObject({
          peerIndex: z.number().int().min(0).max(63),
          rpc: z.record(z.string().max(64), z.unknown()).describe('A JSON-RPC 2.0 request object'),
        }),
        response: { 200: z.unknown().describe('The peer answer, verbatim (JSON or text/event-stream)') },
      },
    },
    async (request, reply) => {
      const result = await mesh.federation.proxy({
        peerIndex: request.body.peerIndex,
        rpc: request.body.rpc,
        a2aVersion: request.headers['a2a-version'],
        requestId: String(request.id),
        principal: request.principal,
        actor: principalId(request.principal),
        ip: request.clientIp,
      });
      if (result.kind === 'json') {
        return reply.status(result.status as 200).type('application/json; charset=utf-8').serializer((p) => p as string).send(result.body);
      }
      const raw = writeSse(reply, String(request.id));
      const reader = result.body.getReader();
      raw.once('close', () => void reader.cancel().catch(() => {}));
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done || raw.destroyed) break;
          raw.write(value);
        }
      } catch {
        // Upstream cut: the client sees the stream end.
      } finally {
        if (!raw.writableEnded) raw.end();
      }
      return reply;
    },
  );

  app.post(
    '/api/mesh/wan/ingress',
    {
      config: { access: 'operator' },
      bodyLimit: WAN_INGRESS_BODY_LIMIT,
      schema: {
        tags: TAGS,
        summary: 'Ingest a wan-envelope-v1 and publish mesh.wan.envelope on hive:system:events (internal: worker or sidecar)',
        body: wanEnvelopeSchema,
        response: {
          202: z.object({ accepted: z.literal(true), eventId: z.string().max(64), correlationId: z.string().max(128) }),
        },
      },
    },
    async (request, reply) => reply.status(202).send(await mesh.ingestWan(request.body, String(request.id))),
  );
};
