// /api/secrets: operator+, owner-scoped (another owner's secret is a 404), values write-only.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalId } from '../../http/principal.js';
import { SECRET_DESCRIPTION_MAX, SECRET_VALUE_MAX_BYTES, type SecretsService } from './secrets.service.js';

const name = z
  .string()
  .max(128)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'letters, digits and _, not starting with a digit');
const value = z.string().max(SECRET_VALUE_MAX_BYTES).describe(`Write-only; at most ${SECRET_VALUE_MAX_BYTES} bytes (UTF-8)`);
const description = z.string().max(SECRET_DESCRIPTION_MAX).nullable();

const metadata = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string().nullable(),
  agentId: z.uuid().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  valueUpdatedAt: z.string(),
});

const idParams = z.object({ id: z.uuid() });
const TAGS = ['secrets'];

export const secretsRoutes: FastifyPluginAsyncZod<{ secrets: SecretsService }> = async (app, { secrets }) => {
  const actor = (req: { principal: Parameters<typeof principalId>[0]; id: string; clientIp: string }) => ({
    id: principalId(req.principal),
    requestId: req.id,
    principal: req.principal,
    ip: req.clientIp,
  });

  app.post(
    '/api/secrets',
    {
      config: { access: 'operator' },
      schema: {
        tags: TAGS,
        summary: 'Store a secret',
        description: 'The value is encrypted at rest and never returned. `agentId` limits the secret to one agent.',
        body: z.strictObject({ name, value, description: description.optional(), agentId: z.uuid().nullable().optional() }),
        response: { 201: metadata },
      },
    },
    async (req, reply) => reply.status(201).send(await secrets.create(actor(req), req.body)),
  );

  app.get(
    '/api/secrets',
    {
      config: { access: 'operator' },
      schema: {
        tags: TAGS,
        summary: 'List your secrets (metadata only)',
        querystring: z.strictObject({
          agentId: z.uuid().optional(),
          limit: z.coerce.number().int().min(1).max(200).default(100),
          cursor: z.string().max(1024).optional(),
        }),
        response: { 200: z.object({ items: z.array(metadata).max(200), nextCursor: z.string().nullable() }) },
      },
    },
    async (req) => secrets.list(actor(req), req.query),
  );

  app.get(
    '/api/secrets/:id',
    {
      config: { access: 'operator' },
      schema: { tags: TAGS, summary: 'One secret (metadata only)', params: idParams, response: { 200: metadata } },
    },
    async (req) => secrets.get(actor(req), req.params.id),
  );

  app.patch(
    '/api/secrets/:id',
    {
      config: { access: 'operator' },
      schema: {
        tags: TAGS,
        summary: 'Rename, re-describe or replace the value of a secret',
        params: idParams,
        body: z
          .strictObject({ name: name.optional(), value: value.optional(), description: description.optional() })
          .refine((b) => Object.keys(b).length > 0, 'give at least one of name, value, description'),
        response: { 200: metadata },
      },
    },
    async (req) => secrets.update(actor(req), req.params.id, req.body),
  );

  app.delete(
    '/api/secrets/:id',
    {
      config: { access: 'operator' },
      schema: { tags: TAGS, summary: 'Delete a secret', params: idParams, response: { 204: z.null() } },
    },
    async (req, reply) => {
      await secrets.remove(actor(req), req.params.id);
      return reply.status(204).send(null);
    },
  );
};
