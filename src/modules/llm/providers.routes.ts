// /api/settings/llm-providers: admin only. API keys are write-only (`hasApiKey` tells whether one is set).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalId } from '../../http/principal.js';
import type { ProvidersService } from './providers.service.js';

const price = z.number().min(0).max(1_000_000);
const modelPrice = z.strictObject({
  id: z.string().min(1).max(200),
  inputPerMillion: price.describe('Price of 1M input tokens, in the currency of your choice'),
  outputPerMillion: price.describe('Price of 1M output tokens'),
});
const type = z.enum(['openai', 'anthropic']);
const name = z.string().min(1).max(100);
const baseUrl = z.string().url().max(2048).describe('OpenAI-compatible: the URL ending in /v1; Anthropic: https://api.anthropic.com');
const apiKey = z.string().min(1).max(4096).describe('Write-only; encrypted at rest');

const providerView = z.object({
  id: z.uuid(),
  name: z.string(),
  type,
  baseUrl: z.string(),
  hasApiKey: z.boolean(),
  isDefault: z.boolean(),
  models: z.array(modelPrice).max(500),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const idParams = z.object({ id: z.uuid() });
const TAGS = ['llm'];
const BASE = '/api/settings/llm-providers';

export const providersRoutes: FastifyPluginAsyncZod<{ providers: ProvidersService }> = async (app, { providers }) => {
  const actor = (req: { principal: Parameters<typeof principalId>[0]; id: string; clientIp: string }) => ({
    id: principalId(req.principal),
    requestId: req.id,
    principal: req.principal,
    ip: req.clientIp,
  });

  app.get(BASE, { config: { access: 'admin' }, schema: { tags: TAGS, summary: 'List LLM providers', response: { 200: z.object({ items: z.array(providerView).max(100) }) } } }, async () => ({
    items: await providers.list(),
  }));

  app.post(
    BASE,
    {
      config: { access: 'admin' },
      schema: {
        tags: TAGS,
        summary: 'Add an LLM provider',
        description: 'The first provider becomes the default. `models` carries per-model prices (per 1M tokens) for cost accounting.',
        body: z.strictObject({ name, type, baseUrl, apiKey: apiKey.optional(), isDefault: z.boolean().optional(), models: z.array(modelPrice).max(500).optional() }),
        response: { 201: providerView },
      },
    },
    async (req, reply) => reply.status(201).send(await providers.create(actor(req), req.body)),
  );

  app.get(`${BASE}/:id`, { config: { access: 'admin' }, schema: { tags: TAGS, summary: 'One LLM provider', params: idParams, response: { 200: providerView } } }, async (req) =>
    providers.get(req.params.id),
  );

  app.patch(
    `${BASE}/:id`,
    {
      config: { access: 'admin' },
      schema: {
        tags: TAGS,
        summary: 'Change an LLM provider',
        description: '`apiKey: null` removes the key. `isDefault: true` makes it the default (the previous one stops being it).',
        params: idParams,
        body: z
          .strictObject({ name: name.optional(), type: type.optional(), baseUrl: baseUrl.optional(), apiKey: apiKey.nullable().optional(), isDefault: z.boolean().optional(), models: z.array(modelPrice).max(500).optional() })
          .refine((b) => Object.keys(b).length > 0, 'give at least one field'),
        response: { 200: providerView },
      },
    },
    async (req) => providers.update(actor(req), req.params.id, req.body),
  );

  app.delete(`${BASE}/:id`, { config: { access: 'admin' }, schema: { tags: TAGS, summary: 'Delete an LLM provider', params: idParams, response: { 204: z.null() } } }, async (req, reply) => {
    await providers.remove(actor(req), req.params.id);
    return reply.status(204).send(null);
  });

  app.post(
    `${BASE}/:id/test`,
    {
      config: { access: 'admin' },
      schema: {
        tags: TAGS,
        summary: 'Check that the provider answers with this key',
        params: idParams,
        response: {
          200: z.object({ ok: z.boolean(), latencyMs: z.number(), models: z.number().optional(), error: z.object({ code: z.string(), message: z.string() }).optional() }),
        },
      },
    },
    async (req) => providers.test(req.params.id),
  );

  app.get(
    `${BASE}/:id/models`,
    { config: { access: 'admin' }, schema: { tags: TAGS, summary: 'Models the provider offers', params: idParams, response: { 200: z.object({ items: z.array(z.string()).max(1000) }) } } },
    async (req) => ({ items: await providers.models(req.params.id) }),
  );
};
