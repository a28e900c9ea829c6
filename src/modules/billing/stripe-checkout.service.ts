// Checkout and Customer Portal sessions through the official client (spec §2.1). The client
// talks to api.stripe.com, or to STRIPE_API_BASE (an operator-set URL: tests and offline
// development point it at test/fixtures/stripe-api). No database transaction is open while
// Stripe is called (rule 6).
import Stripe from 'stripe';
import { AppError, BadRequestError, ConflictError, ServiceUnavailableError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { UsersService } from '../users/users.service.js';

export interface CheckoutRequest {
  mode?: 'payment' | 'subscription';
  amountMinor?: number;
  currency?: string;
  priceId?: string;
}

export interface StripeSettings {
  secretKey?: string;
  apiBase?: string;
  subscriptionPriceId?: string;
  currency: string;
  /** Public origin of the dashboard: Stripe sends the user back there. */
  origin: string;
}

/** Minimum charge Stripe accepts is about 0.50 of the main unit; the cap keeps typos from charging a fortune. */
export const CHECKOUT_MIN_MINOR = 50;
export const CHECKOUT_MAX_MINOR = 100_000_000;

export function createStripeClient(s: Pick<StripeSettings, 'secretKey' | 'apiBase'>): Stripe | null {
  if (!s.secretKey) return null;
  const base = s.apiBase ? new URL(s.apiBase) : null;
  return new Stripe(s.secretKey, {
    maxNetworkRetries: 1,
    timeout: 15_000,
    ...(base
      ? { host: base.hostname, port: base.port || (base.protocol === 'https:' ? 443 : 80), protocol: base.protocol === 'https:' ? 'https' : 'http' }
      : {}),
  });
}

export function createStripeCheckoutService(deps: {
  settings: StripeSettings;
  users: Pick<UsersService, 'stripeCustomerId'>;
  logger: Logger;
}) {
  const { settings, users, logger } = deps;
  const stripe = createStripeClient(settings);

  function client(): Stripe {
    if (!stripe) throw new ServiceUnavailableError('Stripe is not configured (STRIPE_SECRET_KEY)', 'STRIPE_NOT_CONFIGURED');
    return stripe;
  }

  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AppError) throw err;
      const e = err as { type?: string; statusCode?: number; code?: string; message?: string };
      logger.warn({ event: 'billing.stripe.api_error', what, type: e.type, statusCode: e.statusCode, code: e.code, message: e.message?.slice(0, 300) }, 'billing.stripe.api_error');
      // Stripe refused our request (e.g. portal not enabled): say so without echoing details.
      throw new AppError(502, 'STRIPE_API_ERROR', `Stripe refused to create the ${what}`);
    }
  }

  const returnUrl = (q: string) => `${settings.origin}/billing${q}`;

  return {
    flags(hasCustomer: boolean) {
      return {
        checkoutEnabled: Boolean(settings.secretKey),
        customerPortalEnabled: Boolean(settings.secretKey) && hasCustomer,
        subscriptionCheckoutEnabled: Boolean(settings.secretKey && settings.subscriptionPriceId),
      };
    },

    async createCheckoutSession(userId: string, req: CheckoutRequest): Promise<{ url: string; sessionId: string; mode: 'payment' | 'subscription' }> {
      const s = client();
      const mode = req.mode ?? 'payment';
      const metadata = { hive_user_id: userId };
      const customer = (await users.stripeCustomerId(userId)) ?? undefined;
      let params: Stripe.Checkout.SessionCreateParams;
      if (mode === 'payment') {
        const currency = (req.currency ?? settings.currency).toLowerCase();
        if (currency !== settings.currency) {
          throw new BadRequestError(`Wallets are kept in ${settings.currency}; currency must be ${settings.currency}`, 'BILLING_CURRENCY_MISMATCH');
        }
        if (req.amountMinor === undefined) throw new BadRequestError('amountMinor is required for mode "payment"', 'VALIDATION_ERROR');
        params = {
          mode,
          line_items: [{ quantity: 1, price_data: { currency, unit_amount: req.amountMinor, product_data: { name: 'Pilox wallet top-up' } } }],
          // The PaymentIntent carries the user too: payment_intent.succeeded credits through it.
          payment_intent_data: { metadata },
          ...(customer ? { customer } : { customer_creation: 'always' }),
        };
      } else {
        const price = req.priceId ?? settings.subscriptionPriceId;
        if (!price) throw new ConflictError('No subscription price: set STRIPE_SUBSCRIPTION_PRICE_ID or pass priceId', 'STRIPE_SUBSCRIPTION_NOT_CONFIGURED');
        params = { mode, line_items: [{ price, quantity: 1 }], subscription_data: { metadata }, ...(customer ? { customer } : {}) };
      }
      const session = await call('checkout session', () =>
        s.checkout.sessions.create({
          ...params,
          client_reference_id: userId,
          metadata,
          success_url: returnUrl('?checkout=success&session_id={CHECKOUT_SESSION_ID}'),
          cancel_url: returnUrl('?checkout=cancelled'),
        }),
      );
      if (!session.url) throw new AppError(502, 'STRIPE_API_ERROR', 'Stripe returned a checkout session without a URL');
      logger.info({ event: 'billing.stripe.checkout_created', userId, sessionId: session.id, mode }, 'billing.stripe.checkout_created');
      return { url: session.url, sessionId: session.id, mode };
    },

    async createPortalSession(userId: string): Promise<{ url: string }> {
      const s = client();
      const customer = await users.stripeCustomerId(userId);
      if (!customer) throw new ConflictError('No Stripe customer yet: complete a Checkout first', 'BILLING_NO_STRIPE_CUSTOMER');
      const session = await call('customer portal session', () => s.billingPortal.sessions.create({ customer, return_url: returnUrl('') }));
      return { url: session.url };
    },
  };
}

export type StripeCheckoutService = ReturnType<typeof createStripeCheckoutService>;
