import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditService } from './audit.service.js';

const entrySchema = z.object({
  id: z.number().int(),
  createdAt: z.string().max(40),
  action: z.string().max(128),
  actorType: z.string().max(32),
  actorId: z.string().max(256).nullable(),
  actorEmail: z.string().max(320).nullable(),
  targetType: z.string().max(64).nullable(),
  targetId: z.string().max(256).nullable(),
  outcome: z.enum(['success', 'failure']),
  ip: z.string().max(64).nullable(),
  metadata: z.record(z.string(), z.unknown()),
  hash: z.string().max(64),
});

export const auditRoutes: FastifyPluginAsyncZod<{ audit: AuditService }> = async (app, { audit }) => {
  app.get(
    '/api/audit-logs',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['audit'],
        summary: 'Search the audit log (newest first)',
        description: 'Filters combine with AND. `action` ending in `*` matches a prefix (`auth.*`). Page with `cursor` = the previous page’s `nextCursor`.',
        querystring: z.object({
          action: z.string().trim().min(1).max(128).optional(),
          actorId: z.string().trim().min(1).max(256).optional(),
          targetType: z.string().trim().min(1).max(64).optional(),
          targetId: z.string().trim().min(1).max(256).optional(),
          outcome: z.enum(['success', 'failure']).optional(),
          from: z.iso.datetime({ offset: true }).optional(),
          to: z.iso.datetime({ offset: true }).optional(),
          cursor: z.coerce.number().int().min(1).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ items: z.array(entrySchema).max(200), nextCursor: z.number().int().nullable() }) },
      },
    },
    async (request) => {
      const q = request.query;
      const prefix = q.action?.endsWith('*') ? q.action.slice(0, -1) : undefined;
      return audit.list(
        {
          action: prefix === undefined ? q.action : undefined,
          actionPrefix: prefix,
          actorId: q.actorId,
          targetType: q.targetType,
          targetId: q.targetId,
          outcome: q.outcome,
          from: q.from ? new Date(q.from) : undefined,
          to: q.to ? new Date(q.to) : undefined,
          beforeId: q.cursor,
        },
        q.limit,
      );
    },
  );
};
