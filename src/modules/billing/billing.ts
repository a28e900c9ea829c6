// Composition of the billing module: wallet/ledger core, Stripe webhooks, Checkout/Portal,
// usage metering, spend guard and admin views. The container builds it once.
import type { Clock } from '../../lib/clock.js';
import type { Db } from '../../lib/db/database.js';
import type { JobQueue } from '../../lib/jobs/job-queue.js';
import type { Kv } from '../../lib/kv/kv.js';
import type { Logger } from '../../lib/logger.js';
import type { ActorContext, AuditService } from '../audit/audit.service.js';
import type { UsersService } from '../users/users.service.js';
import { createBillingAdminService } from './billing-admin.service.js';
import { createBillingRepo } from './billing.repo.js';
import { createStripeCheckoutService, createStripeClient, type CheckoutRequest } from './stripe-checkout.service.js';
import { createStripeWebhookService } from './stripe-webhook.service.js';
import { createUsageMetering } from './usage-metering.js';
import { createWalletService } from './wallet.service.js';

export interface BillingSettings {
  webhookSecret?: string;
  secretKey?: string;
  apiBase?: string;
  subscriptionPriceId?: string;
  currency: string;
  usageMinorPer1kTokens: number;
  origin: string;
}

export interface WalletView {
  balanceMinor: number;
  currency: string;
  updatedAt: string | null;
  billingUsageMinorPer1kTokens: number;
  stripe: { checkoutEnabled: boolean; customerPortalEnabled: boolean; subscriptionCheckoutEnabled: boolean };
}

export function createBilling(deps: {
  db: Db;
  kv: Kv;
  users: Pick<UsersService, 'exists' | 'existingIds' | 'idsByStripeCustomerIds' | 'getById' | 'setStripeCustomerId' | 'stripeCustomerId'>;
  audit: Pick<AuditService, 'record' | 'recordMany'>;
  clock: Clock;
  logger: Logger;
  jobs: JobQueue;
  settings: BillingSettings;
}) {
  const { db, kv, users, audit, clock, logger, settings } = deps;
  const repo = createBillingRepo();
  const wallet = createWalletService({ db, repo, users, clock, currency: settings.currency });
  const stripe = createStripeClient(settings);
  const webhooks = createStripeWebhookService({
    db,
    kv,
    repo,
    wallet,
    users,
    audit,
    logger,
    webhookSecret: settings.webhookSecret,
    invoicePaymentIntents: stripe
      ? async (invoice) => {
          const ids = new Set<string>();
          for await (const p of stripe.invoicePayments.list({ invoice, limit: 100 })) {
            const pi = p.payment.payment_intent;
            const id = typeof pi === 'string' ? pi : pi?.id;
            if (id) ids.add(id);
            // A partial list could leave a PaymentIntent unclaimed: treat it as unknown.
            if (ids.size > 100) return null;
          }
          return [...ids];
        }
      : undefined,
  });
  const checkout = createStripeCheckoutService({ settings, users, logger });
  const admin = createBillingAdminService({ db, repo, wallet, users, audit, clock, logger });
  const metering = createUsageMetering({ db, repo, wallet, users, logger, ratePer1k: settings.usageMinorPer1kTokens });
  metering.register(deps.jobs);

  return {
    wallet,
    webhooks,
    admin,
    metering,
    /** The LLM gateway's SpendGuard (modules/llm/llm.ports.ts). */
    spendGuard: wallet.spendGuard,

    async walletView(userId: string): Promise<WalletView> {
      const [w, customer] = await Promise.all([wallet.wallet(userId), users.stripeCustomerId(userId)]);
      return { ...w, billingUsageMinorPer1kTokens: settings.usageMinorPer1kTokens, stripe: checkout.flags(customer !== null) };
    },

    ledger: (userId: string, limit: number, offset: number) => wallet.ledger(userId, limit, offset),
    limits: (userId: string) => wallet.limits(userId),

    async setOwnLimits(ctx: ActorContext & { userId: string }, patch: { monthlySpendLimitMinor?: number | null; hardStop?: boolean }) {
      await db.transaction(async (tx) => {
        await wallet.setLimits(ctx.userId, patch, tx);
        await audit.record({ action: 'billing.limits.update', actor: ctx.actor, ip: ctx.ip, target: { type: 'user', id: ctx.userId }, metadata: { ...patch } }, tx);
      });
      return wallet.limits(ctx.userId);
    },

    createCheckoutSession: (userId: string, req: CheckoutRequest) => checkout.createCheckoutSession(userId, req),
    createPortalSession: (userId: string) => checkout.createPortalSession(userId),

    /** Schedules the metering job (every replica may call it). */
    async startDaemons(jobs: JobQueue): Promise<void> {
      await metering.schedule(jobs);
    },
  };
}

export type Billing = ReturnType<typeof createBilling>;
