// /api/billing/admin/*: balances of every user, limits of any user, and the Stripe events
// that could not be matched to a user. Admins only.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../http/request-context.js';
import type { Billing } from './billing.js';
import { ledgerItem, limitsBody, limitsView, page } from './billing.routes.js';

const TAGS = ['billing'];

const unresolvedView = z.object({
  stripeEventId: z.string().max(255),
  eventType: z.string().max(128),
  reason: z.string().max(64),
  direction: z.enum(['credit', 'debit']),
  amountMinor: z.number().int(),
  currency: z.string().max(16),
  customerId: z.string().max(255).nullable(),
  paymentIntentId: z.string().max(255).nullable(),
  details: z.record(z.string().max(128), z.unknown()),
  status: z.string().max(32),
  assignedUserId: z.string().max(64).nullable(),
  resolvedBy: z.string().max(256).nullable(),
  resolvedAt: z.string().max(64).nullable(),
  createdAt: z.string().max(64),
});
const eventParams = z.object({ eventId: z.string().min(1).max(255) });

export const billingAdminRoutes: FastifyPluginAsyncZod<{ billing: Billing }> = async (app, { billing }) => {
  app.get(
    '/api/billing/admin/balances',
    {
      config: { access: 'admin' },
      schema: {
        tags: TAGS,
        summary: 'Every wallet, largest balance first',
        querystring: page,
        response: {
          200: z.object({
            items: z
              .array(
                z.object({
                  userId: z.uuid(),
                  email: z.string().max(320).nullable(),
                  balanceMinor: z.number().int(),
                  currency: z.string().max(16),
                  monthlySpendLimitMinor: z.number().int().nullable(),
                  hardStop: z.boolean(),
                  updatedAt: z.string().max(64),
                }),
              )
              .max(100),
            total: z.number().int(),
            limit: z.number().int(),
            offset: z.number().int(),
          }),
        },
      },
    },
    async (req) => billing.admin.balances(req.query.limit, req.query.offset),
  );

  app.put(
    '/api/billing/admin/users/:userId/limits',
    {
      config: { access: 'admin' },
      schema: { tags: TAGS, summary: "Set a user's spending limit and/or hard stop", params: z.object({ userId: z.uuid() }), body: limitsBody, response: { 200: limitsView } },
    },
    async (req) => billing.admin.setLimits(actorOf(req), req.params.userId, req.body),
  );

  app.get(
    '/api/billing/admin/unresolved-events',
    {
      config: { access: 'admin' },
      schema: {
        tags: TAGS,
        summary: 'Stripe events that moved money but matched no user (or another currency)',
        querystring: page.extend({ status: z.enum(['open', 'assigned', 'dismissed']).optional() }),
        response: { 200: z.object({ items: z.array(unresolvedView).max(100), total: z.number().int(), limit: z.number().int(), offset: z.number().int() }) },
      },
    },
    async (req) => billing.admin.unresolved(req.query.status, req.query.limit, req.query.offset),
  );

  app.post(
    '/api/billing/admin/unresolved-events/:eventId/assign',
    {
      config: { access: 'admin' },
      schema: {
        tags: TAGS,
        summary: 'Apply an unresolved event to a user (once)',
        params: eventParams,
        body: z.strictObject({ userId: z.uuid() }),
        response: { 200: z.object({ event: unresolvedView, entry: ledgerItem.nullable() }) },
      },
    },
    async (req) => billing.admin.assign(actorOf(req), req.params.eventId, req.body.userId),
  );

  app.post(
    '/api/billing/admin/unresolved-events/:eventId/dismiss',
    {
      config: { access: 'admin' },
      schema: { tags: TAGS, summary: 'Close an unresolved event without applying it', params: eventParams, body: z.strictObject({}).optional(), response: { 200: unresolvedView } },
    },
    async (req) => billing.admin.dismiss(actorOf(req), req.params.eventId),
  );
};
