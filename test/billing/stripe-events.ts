// Stripe events as Stripe sends them (the fields billing reads), signed with the official
// library's generateTestHeaderString, and delivered to POST /api/webhooks/stripe.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import Stripe from 'stripe';
import { queryRows } from '../../src/lib/db/database.js';
import type { TestApp } from '../helpers/app.js';

export const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('hex')}`;

export const newId = (prefix: string) => `${prefix}_${randomBytes(10).toString('hex')}`;

export type StripeEventBody = { id: string; object: 'event'; type: string; api_version: string; created: number; livemode: false; data: { object: Record<string, unknown> } };

export const ACACIA = '2025-01-27.acacia';
/** From 2025-03-31.basil: no PaymentIntent.invoice, no Invoice.payment_intent (Invoice.payments instead). */
export const BASIL = '2025-03-31.basil';

export function event(type: string, object: Record<string, unknown>, id = newId('evt'), apiVersion = ACACIA): StripeEventBody {
  return { id, object: 'event', type, api_version: apiVersion, created: Math.floor(Date.now() / 1000), livemode: false, data: { object } };
}

export function paymentIntentSucceeded(o: { amount: number; currency?: string; metadata?: Record<string, string>; customer?: string | null; invoice?: string | null; id?: string; basil?: boolean }) {
  return event(
    'payment_intent.succeeded',
    {
      id: o.id ?? newId('pi'),
      object: 'payment_intent',
      amount: o.amount,
      amount_received: o.amount,
      currency: o.currency ?? 'usd',
      customer: o.customer ?? null,
      // Basil removed the field: it is absent, not null.
      ...(o.basil ? {} : { invoice: o.invoice ?? null }),
      metadata: o.metadata ?? {},
      status: 'succeeded',
    },
    newId('evt'),
    o.basil ? BASIL : ACACIA,
  );
}

/**
 * invoice.paid in the basil shape: no payment_intent field; `payments` (the InvoicePayments
 * list, an includable field Stripe usually leaves out of events) only when given.
 */
export function invoicePaidBasil(o: { amount: number; customer: string | null; currency?: string; payments?: string[]; hasMore?: boolean; subscriptionMetadata?: Record<string, string>; id?: string }) {
  const id = o.id ?? newId('in');
  return event(
    'invoice.paid',
    {
      id,
      object: 'invoice',
      amount_paid: o.amount,
      currency: o.currency ?? 'usd',
      customer: o.customer,
      metadata: {},
      parent: o.subscriptionMetadata ? { type: 'subscription_details', subscription_details: { metadata: o.subscriptionMetadata, subscription: newId('sub') } } : null,
      status: 'paid',
      ...(o.payments
        ? {
            payments: {
              object: 'list',
              has_more: o.hasMore ?? false,
              url: `/v1/invoice_payments?invoice=${id}`,
              data: o.payments.map((pi) => ({
                id: newId('inpay'),
                object: 'invoice_payment',
                amount_paid: Math.floor(o.amount / o.payments!.length),
                currency: o.currency ?? 'usd',
                invoice: id,
                is_default: true,
                payment: { type: 'payment_intent', payment_intent: pi },
                status: 'paid',
              })),
            },
          }
        : {}),
    },
    newId('evt'),
    BASIL,
  );
}

export function invoicePaid(o: { amount: number; customer: string | null; currency?: string; paymentIntent?: string; metadata?: Record<string, string>; subscriptionMetadata?: Record<string, string> }) {
  return event('invoice.paid', {
    id: newId('in'),
    object: 'invoice',
    amount_paid: o.amount,
    currency: o.currency ?? 'usd',
    customer: o.customer,
    payment_intent: o.paymentIntent ?? null,
    metadata: o.metadata ?? {},
    parent: o.subscriptionMetadata ? { type: 'subscription_details', subscription_details: { metadata: o.subscriptionMetadata, subscription: newId('sub') } } : null,
    status: 'paid',
  });
}

export function refundCreated(o: { amount: number; paymentIntent: string | null; currency?: string; metadata?: Record<string, string> }) {
  return event('refund.created', {
    id: newId('re'),
    object: 'refund',
    amount: o.amount,
    currency: o.currency ?? 'usd',
    payment_intent: o.paymentIntent,
    metadata: o.metadata ?? {},
    status: 'succeeded',
  });
}

export function checkoutCompleted(o: { customer: string | null; metadata?: Record<string, string>; mode?: string }) {
  return event('checkout.session.completed', {
    id: newId('cs'),
    object: 'checkout.session',
    mode: o.mode ?? 'payment',
    customer: o.customer,
    metadata: o.metadata ?? {},
    payment_status: 'paid',
  });
}

export function sign(payload: string, opts: { secret?: string; timestamp?: number } = {}): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? WEBHOOK_SECRET, timestamp: opts.timestamp });
}

/** Signs and posts; `payload` overrides the serialised event (e.g. altered after signing). */
export function deliver(t: TestApp, ev: StripeEventBody | string, opts: { secret?: string; timestamp?: number; signature?: string | null; body?: string } = {}) {
  const payload = typeof ev === 'string' ? ev : JSON.stringify(ev);
  const signature = opts.signature === undefined ? sign(payload, opts) : opts.signature;
  return t.app.inject({
    method: 'POST',
    url: '/api/webhooks/stripe',
    headers: { 'content-type': 'application/json; charset=utf-8', ...(signature !== null ? { 'stripe-signature': signature } : {}) },
    payload: opts.body ?? payload,
  });
}

/** Rows billing wrote, for "nothing was written" checks. */
export async function billingFootprint(t: TestApp): Promise<{ ledger: number; unresolved: number; wallets: number; audit: number }> {
  const [r] = await queryRows<{ ledger: string; unresolved: string; wallets: string; audit: string }>(
    t.database.db,
    sql`select (select count(*) from billing_ledger_entries) as ledger,
               (select count(*) from billing_unresolved_events) as unresolved,
               (select count(*) from user_wallet_balances) as wallets,
               (select count(*) from audit_logs where action like 'billing.%') as audit`,
  );
  return { ledger: Number(r!.ledger), unresolved: Number(r!.unresolved), wallets: Number(r!.wallets), audit: Number(r!.audit) };
}

export async function balanceOf(t: TestApp, userId: string): Promise<number> {
  return (await t.container.billing.wallet.wallet(userId)).balanceMinor;
}
