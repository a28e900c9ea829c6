// Which PaymentIntents paid an invoice, in both shapes Stripe sends (API versions up to
// 2025-02-24.acacia and from 2025-03-31.basil), and the lookup that completes a basil event.
import type Stripe from 'stripe';
import { ServiceUnavailableError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';

type Obj = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 && v.length <= 255 ? v : null);
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const idOf = (v: unknown): string | null => str(v) ?? str(obj(v).id);

/**
 * The PaymentIntents that paid an invoice: `payment_intent` (up to acacia; null when nothing on
 * Stripe paid it) or, from basil, the InvoicePayments list `payments.data[].payment.payment_intent`.
 * Basil webhooks usually omit that list (it is an includable field): null then means "unknown",
 * as does a list with more pages than the event carries. Every listed PaymentIntent is
 * claimed, whatever its status: over-claiming only stops a second credit of the same money.
 */
export function invoicePaymentIntents(o: Obj): string[] | null {
  if ('payment_intent' in o) {
    const pi = idOf(o.payment_intent);
    return pi ? [pi] : [];
  }
  const payments = obj(o.payments);
  if (!Array.isArray(payments.data) || payments.has_more === true) return null;
  const ids = payments.data.map((p) => idOf(obj(obj(p).payment).payment_intent)).filter((x): x is string => !!x);
  return ids.length > 0 ? [...new Set(ids)].slice(0, 100) : null;
}

/**
 * A basil invoice.paid usually comes without its `payments` list. With API access, the list is
 * fetched (before any transaction opens) and put where the basil shape has it, so the invoice
 * credits and claims its PaymentIntents. Stripe unreachable: 503, and Stripe retries the event.
 * `lookup` answers null for a list it could not read whole (then the invoice stays unknown).
 */
export async function withInvoicePayments(event: Stripe.Event, lookup: (invoiceId: string) => Promise<string[] | null>, logger: Logger): Promise<Stripe.Event> {
  const o = obj(event.data.object);
  const invoiceId = str(o.id);
  const paid = typeof o.amount_paid === 'number' && o.amount_paid > 0;
  if (event.type !== 'invoice.paid' || !invoiceId || !paid || 'payment_intent' in o || invoicePaymentIntents(o) !== null) return event;
  let ids: string[] | null;
  try {
    ids = await lookup(invoiceId);
  } catch (err) {
    logger.warn({ event: 'billing.stripe.api_error', stripeEventId: event.id, invoiceId, reason: (err as Error).message?.slice(0, 200) }, 'billing.stripe.api_error');
    throw new ServiceUnavailableError('Stripe did not answer the invoice payments lookup; the event will be retried', 'STRIPE_API_UNAVAILABLE');
  }
  if (!ids) return event;
  const payments = { object: 'list', has_more: false, data: ids.map((pi) => ({ payment: { type: 'payment_intent', payment_intent: pi } })) };
  return { ...event, data: { ...event.data, object: { ...o, payments } as unknown as Stripe.Event.Data['object'] } } as Stripe.Event;
}
