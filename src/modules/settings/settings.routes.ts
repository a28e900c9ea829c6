// /api/settings/security: admin only. Unknown keys are refused (strict objects).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalId } from '../../http/principal.js';
import { MAX_ALLOWLIST_ENTRIES, type SettingsService } from './settings.service.js';
import { CODE_NODE_MODES } from './settings.tables.js';

const view = z.object({
  instanceName: z.string().nullable(),
  egressHostAllowlist: z.array(z.string()).max(MAX_ALLOWLIST_ENTRIES),
  workflowCodeNodeMode: z.enum(CODE_NODE_MODES),
  version: z.number().int(),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
  effective: z.object({
    envEgressHostAllowlist: z.array(z.string()).max(10_000),
    egressHostAllowlist: z.array(z.string()).max(10_000),
    workflowCodeNodes: z.object({ enabled: z.boolean(), source: z.enum(['env', 'setting', 'default']), reason: z.string() }),
  }),
});

const TAGS = ['settings'];

export const settingsRoutes: FastifyPluginAsyncZod<{ settings: SettingsService }> = async (app, { settings }) => {
  app.get(
    '/api/settings/security',
    {
      config: { access: 'admin' },
      schema: {
        tags: TAGS,
        summary: 'Instance security settings',
        description: 'Admin-set values and what is in effect once HIVE_EGRESS_FETCH_HOST_ALLOWLIST and HIVE_WORKFLOW_DISABLE_CODE_NODE are applied.',
        response: { 200: view },
      },
    },
    async () => settings.getSecurity(),
  );

  app.patch(
    '/api/settings/security',
    {
      config: { access: 'admin' },
      schema: {
        tags: TAGS,
        summary: 'Change instance security settings',
        description: 'Applies on every replica within 15 s. Audited. Allowlist entries: hostname, `*.suffix` or IP address.',
        body: z.strictObject({
          instanceName: z.string().max(100).nullable().optional(),
          egressHostAllowlist: z.array(z.string().max(260)).max(MAX_ALLOWLIST_ENTRIES).optional(),
          workflowCodeNodeMode: z.enum(CODE_NODE_MODES).optional(),
        }),
        response: { 200: view },
      },
    },
    async (req) => settings.updateSecurity({ id: principalId(req.principal), requestId: req.id, principal: req.principal, ip: req.clientIp }, req.body),
  );
};
