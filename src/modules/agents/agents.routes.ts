// /api/agents: viewers read the agents they can see; operators create and run their own;
// admins everything. Another owner's private agent is a 404.
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { managedConfigSchema } from './managed-config.js';
import { PACKAGE_MAX_BYTES } from './agents.package.js';
import type { AgentsService } from './agents.service.js';

const TAGS = ['agents'];
const slug = z
  .string()
  .min(2)
  .max(63)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'lowercase letters, digits and -, not starting or ending with -');
const visibility = z.enum(['private', 'instance', 'public']);
const runtime = z.enum(['sandbox', 'process', 'docker']);
const restartPolicy = z.enum(['never', 'on-failure', 'always']);
const limits = z.strictObject({
  memoryMb: z.number().int().min(16).max(65_536).optional(),
  cpuShares: z.number().int().min(2).max(10_000).optional(),
  pids: z.number().int().min(8).max(32_768).optional(),
});
const envName = z.string().min(1).max(128).regex(/^[A-Za-z_][A-Za-z0-9_]*$/).refine((n) => !n.startsWith('PILOX_'), 'PILOX_* names are reserved');
const env = z.record(envName, z.string().max(8192)).refine((e) => Object.keys(e).length <= 100, 'at most 100 variables');
const secretRefs = z.array(z.string().min(1).max(128).regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).max(100);
const image = z.string().min(1).max(512);

const agentView = z.object({
  id: z.uuid(),
  slug: z.string(),
  name: z.string(),
  description: z.string(),
  ownerId: z.string(),
  kind: z.enum(['managed', 'package', 'image', 'remote']),
  visibility,
  runtime: runtime.nullable(),
  limits: z.object({ memoryMb: z.number(), cpuShares: z.number(), pids: z.number() }),
  env: z.record(z.string(), z.string()),
  secretRefs: z.array(z.string()),
  restartPolicy,
  managed: z.any().nullable().describe('ManagedConfig (managed agents)'),
  image: z.string().nullable(),
  package: z.object({ sha256: z.string(), bytes: z.number(), entry: z.string() }).nullable(),
  cardUrl: z.string().nullable(),
  status: z.enum(['created', 'starting', 'ready', 'stopped', 'paused', 'error']),
  desiredState: z.enum(['running', 'stopped', 'paused']),
  lastExitCode: z.number().nullable(),
  lastExitReason: z.string().nullable(),
  restartCount: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().nullable(),
  stoppedAt: z.string().nullable(),
});

const idParams = z.object({ id: z.uuid() });
const OPS = ['start', 'stop', 'pause', 'resume', 'restart'] as const;

export const agentsRoutes: FastifyPluginAsyncZod<{ agents: AgentsService }> = async (app, { agents }) => {
  app.get(
    '/api/agents',
    {
      config: { access: 'viewer' },
      schema: {
        tags: TAGS,
        summary: 'Agents you can see',
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(100), cursor: z.uuid().optional() }),
        response: { 200: z.object({ items: z.array(agentView).max(200), nextCursor: z.string().nullable() }) },
      },
    },
    async (req) => agents.list(req.principal, req.query),
  );

  app.post(
    '/api/agents',
    {
      config: { access: 'operator' },
      schema: {
        tags: TAGS,
        summary: 'Create an agent (managed, package or image)',
        body: z.strictObject({
          slug,
          name: z.string().min(1).max(200),
          description: z.string().max(2000).optional(),
          kind: z.enum(['managed', 'package', 'image']),
          visibility: visibility.optional(),
          runtime: runtime.optional(),
          limits: limits.optional(),
          env: env.optional(),
          secretRefs: secretRefs.optional(),
          restartPolicy: restartPolicy.optional(),
          managed: managedConfigSchema.optional(),
          image: image.optional(),
        }),
        response: { 201: agentView },
      },
    },
    async (req, reply) => reply.status(201).send(await agents.create(req.principal, req.body)),
  );

  app.post(
    '/api/agents/import',
    {
      config: { access: 'operator' },
      schema: {
        tags: TAGS,
        summary: 'Import a remote A2A agent by its agent-card URL',
        description: 'The card is fetched through the egress guard; the agent is only proxied, never run.',
        body: z.strictObject({ cardUrl: z.url().max(2048), slug, visibility: visibility.optional() }),
        response: { 201: agentView },
      },
    },
    async (req, reply) => reply.status(201).send(await agents.importRemote(req.principal, req.body.cardUrl, req.body)),
  );

  app.get(
    '/api/agents/:id',
    { config: { access: 'viewer' }, schema: { tags: TAGS, summary: 'One agent', params: idParams, response: { 200: agentView } } },
    async (req) => agents.get(req.principal, req.params.id),
  );

  app.patch(
    '/api/agents/:id',
    {
      config: { access: 'operator' },
      schema: {
        tags: TAGS,
        summary: 'Change an agent (takes effect at its next start)',
        params: idParams,
        body: z
          .strictObject({
            name: z.string().min(1).max(200).optional(),
            description: z.string().max(2000).optional(),
            visibility: visibility.optional(),
            runtime: runtime.optional(),
            limits: limits.optional(),
            env: env.optional(),
            secretRefs: secretRefs.optional(),
            restartPolicy: restartPolicy.optional(),
            managed: managedConfigSchema.optional(),
            image: image.optional(),
          })
          .refine((b) => Object.keys(b).length > 0, 'give at least one field'),
        response: { 200: agentView },
      },
    },
    async (req) => agents.update(req.principal, req.params.id, req.body),
  );

  app.delete(
    '/api/agents/:id',
    { config: { access: 'operator' }, schema: { tags: TAGS, summary: 'Stop and delete an agent', params: idParams, response: { 204: z.null() } } },
    async (req, reply) => {
      await agents.remove(req.principal, req.params.id);
      return reply.status(204).send(null);
    },
  );

  for (const op of OPS) {
    app.post(
      `/api/agents/:id/${op}`,
      {
        config: { access: 'operator' },
        schema: { tags: TAGS, summary: `${op[0]!.toUpperCase()}${op.slice(1)} an agent`, params: idParams, response: { 200: agentView } },
      },
      async (req) => agents.operate(req.principal, req.params.id, op),
    );
  }

  app.get(
    '/api/agents/:id/stats',
    {
      config: { access: 'viewer' },
      schema: {
        tags: TAGS,
        summary: 'Resource usage of the running instance',
        params: idParams,
        response: {
          200: z.object({
            status: agentView.shape.status,
            memoryBytes: z.number().nullable(),
            memoryLimitBytes: z.number().nullable(),
            cpuSeconds: z.number().nullable(),
            pids: z.number().nullable(),
          }),
        },
      },
    },
    async (req) => agents.stats(req.principal, req.params.id),
  );

  app.get(
    '/api/agents/:id/logs',
    {
      config: { access: 'operator' },
      schema: {
        tags: TAGS,
        summary: 'The agent output as server-sent events (`data: {ts, stream, line}`)',
        params: idParams,
        querystring: z.strictObject({
          tail: z.coerce.number().int().min(0).max(10_000).default(100),
          follow: z.enum(['0', '1', 'true', 'false']).default('0'),
        }),
        response: { 200: z.string().describe('text/event-stream') },
      },
    },
    async (req, reply) => {
      const follow = req.query.follow === '1' || req.query.follow === 'true';
      const abort = new AbortController();
      const lines = await agents.logs(req.principal, req.params.id, { tail: req.query.tail, follow, signal: abort.signal });
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no', 'x-request-id': String(req.id) });
      raw.on('close', () => abort.abort());
      const keepAlive = follow ? setInterval(() => raw.write(': keep-alive\n\n'), 15_000) : undefined;
      try {
        for await (const line of lines) {
          if (raw.destroyed) break;
          raw.write(`data: ${JSON.stringify(line)}\n\n`);
        }
      } finally {
        if (keepAlive) clearInterval(keepAlive);
        if (!raw.writableEnded) raw.end();
      }
      return reply;
    },
  );

  await app.register(async (scope) => {
    scope.addContentTypeParser(['application/gzip', 'application/x-gzip', 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: PACKAGE_MAX_BYTES }, (_req, body, done) =>
      done(null, body),
    );
    scope.withTypeProvider<ZodTypeProvider>().post(
      '/api/agents/:id/package',
      {
        bodyLimit: PACKAGE_MAX_BYTES,
        config: { access: 'operator' },
        schema: {
          tags: TAGS,
          summary: 'Upload the tar.gz of a package agent',
          description: `Body: the archive bytes (application/gzip), at most ${PACKAGE_MAX_BYTES} bytes. Its sha256 is stored. Takes effect at the next start.`,
          params: idParams,
          body: z.any().describe('tar.gz bytes'),
          response: { 200: agentView },
        },
      },
      async (req) => agents.uploadPackage(req.principal, req.params.id, req.body as Buffer),
    );
  });
};
