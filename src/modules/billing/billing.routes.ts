// /api/billing/*: the caller's own wallet, ledger, limits, Checkout and Customer Portal
// (session or API token, any role), and /api/billing/admin/* for admins.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../../http/request-context.js';
import { ForbiddenError } from '../../lib/errors.js';
import type { Billing } from './billing.js';
import { CHECKOUT_MAX_MINOR, CHECKOUT_MIN_MINOR } from './stripe-checkout.service.js';

const TAGS = ['billing'];
const MAX_MINOR = 1_000_000_000_000;

export const ledgerItem = z.object({
  id: z.uuid(),
  kind: z.string().max(64),
  direction: z.enum(['credit', 'debit']),
  amountMinor: z.number().int(),
  signedAmountMinor: z.number().int().describe('Positive for credits, negative for debits (display)'),
  currency: z.string().max(16),
  balanceAfterMinor: z.number().int(),
  description: z.string().max(1024),
  stripeEventId: z.string().max(255).describe('Stripe event id, or hive_usage:{inference_usage.id} for usage debits'),
  stripeEventType: z.string().max(128).nullable(),
  paymentIntentId: z.string().max(255).nullable(),
  metadata: z.record(z.string().max(128), z.unknown()),
  createdAt: z.string().max(64),
});

export const limitsView = z.object({
  monthlySpendLimitMinor: z.number().int().nullable(),
  hardStop: z.boolean(),
  spentThisMonthMinor: z.number().int(),
  periodStart: z.string().max(64),
});

export const limitsBody = z
  .strictObject({
    monthlySpendLimitMinor: z.number().int().min(0).max(MAX_MINOR).nullable().optional().describe('Usage debits allowed per calendar month (UTC); null removes the limit'),
    hardStop: z.boolean().optional().describe('Refuse LLM calls (402) while the wallet is empty'),
  })
  .refine((b) => Object.keys(b).length > 0, 'give monthlySpendLimitMinor and/or hardStop');

export const page = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

/** Wallets belong to user accounts; the internal token or a federation peer has none. */
export function userIdOf(req: FastifyRequest): string {
  const p = req.principal;
  if (p.kind !== 'user') throw new ForbiddenError('Billing is per user account; sign in or use a user API token', 'BILLING_USER_REQUIRED');
  return p.userId;
}

export const billingRoutes: FastifyPluginAsyncZod<{ billing: Billing }> = async (app, { billing }) => {
  app.get(
    '/api/billing/wallet',
    {
      config: { access: 'viewer' },
      schema: {
        tags: TAGS,
        summary: 'Your wallet balance and what Stripe features are available',
        response: {
          200: z.object({
            balanceMinor: z.number().int(),
            currency: z.string().max(16),
            updatedAt: z.string().max(64).nullable(),
            billingUsageMinorPer1kTokens: z.number().int(),
            stripe: z.object({ checkoutEnabled: z.boolean(), customerPortalEnabled: z.boolean(), subscriptionCheckoutEnabled: z.boolean() }),
          }),
        },
      },
    },
    async (req) => billing.walletView(userIdOf(req)),
  );

  app.get(
    '/api/billing/ledger',
    {
      config: { access: 'viewer' },
      schema: {
        tags: TAGS,
        summary: 'Your wallet movements, newest first',
        querystring: page,
        response: { 200: z.object({ items: z.array(ledgerItem).max(100), total: z.number().int(), limit: z.number().int(), offset: z.number().int() }) },
      },
    },
    async (req) => billing.ledger(userIdOf(req), req.query.limit, req.query.offset),
  );

  app.get(
    '/api/billing/limits',
    { config: { access: 'viewer' }, schema: { tags: TAGS, summary: 'Your spending limit and hard stop', response: { 200: limitsView } } },
    async (req) => billing.limits(userIdOf(req)),
  );

  app.put(
    '/api/billing/limits',
    {
      config: { access: 'viewer' },
      schema: { tags: TAGS, summary: 'Set your monthly spending limit and/or hard stop', body: limitsBody, response: { 200: limitsView } },
    },
    async (req) => billing.setOwnLimits({ ...actorOf(req), userId: userIdOf(req) }, req.body),
  );

  app.post(
    '/api/billing/stripe/checkout-session',
    {
      config: { access: 'viewer' },
      schema: {
        tags: TAGS,
        summary: 'Start a Stripe Checkout to top up the wallet or subscribe',
        description: 'Requires STRIPE_SECRET_KEY (503 STRIPE_NOT_CONFIGURED). `mode` defaults to payment; subscription uses priceId or STRIPE_SUBSCRIPTION_PRICE_ID.',
        body: z.strictObject({
          mode: z.enum(['payment', 'subscription']).optional(),
          amountMinor: z.number().int().min(CHECKOUT_MIN_MINOR).max(CHECKOUT_MAX_MINOR).optional(),
          currency: z.string().regex(/^[A-Za-z]{3}$/).optional(),
          priceId: z.string().max(255).regex(/^price_[A-Za-z0-9_]+$/).optional(),
        }),
        response: { 200: z.object({ url: z.string().max(4096), sessionId: z.string().max(255), mode: z.enum(['payment', 'subscription']) }) },
      },
    },
    async (req) => billing.createCheckoutSession(userIdOf(req), req.body),
  );

  app.post(
    '/api/billing/stripe/customer-portal',
    {
      config: { access: 'viewer' },
      schema: {
        tags: TAGS,
        summary: 'Open the Stripe Customer Portal',
        description: '409 BILLING_NO_STRIPE_CUSTOMER until a Checkout linked a Stripe customer to your account.',
        body: z.strictObject({}).optional(),
        response: { 200: z.object({ url: z.string().max(4096) }) },
      },
    },
    async (req) => billing.createPortalSession(userIdOf(req)),
  );
};
