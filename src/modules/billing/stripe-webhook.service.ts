// POST /api/webhooks/stripe (spec §2.1): verify the signature on the raw body, consult the Kv
// idempotency hint, then apply the event in ONE transaction (ledger row unique on
// stripe_event_id + locked wallet update + audit row). Postgres decides; the Kv hint only
// spares the database work on redeliveries, so losing Redis never double-credits.
import Stripe from 'stripe';
import type { Db, DbOrTx } from '../../lib/db/database.js';
import { AppError, BadRequestError, ServiceUnavailableError } from '../../lib/errors.js';
import type { Kv } from '../../lib/kv/kv.js';
import type { Logger } from '../../lib/logger.js';
import type { AuditService } from '../audit/audit.service.js';
import type { UsersService } from '../users/users.service.js';
import type { BillingRepo } from './billing.repo.js';
import { invoicePaymentIntents, withInvoicePayments } from './invoice-payments.js';
import { PaymentClaimConflictError, type Movement, type WalletService } from './wallet.service.js';

export const STRIPE_SIGNATURE_TOLERANCE_S = 300;
/** Stripe events are a few KB; anything near this is not a Stripe event. */
export const STRIPE_WEBHOOK_MAX_BYTES = 256 * 1024;
export const WEBHOOK_HINT_PREFIX = 'stripe:webhook:event:';
const HINT_TTL_MS = 7 * 24 * 3600_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type WebhookOutcome =
  | 'credited'
  | 'debited'
  | 'duplicate'
  | 'already_credited'
  | 'unresolved'
  | 'customer_linked'
  | 'ignored_invoiced'
  | 'ignored_payment_unknown'
  | 'ignored_zero_amount'
  | 'ignored_no_match'
  | 'ignored_type';

type Obj = Record<string, unknown>;
type Resolution = { userId: string; via: 'metadata.hive_user_id' | 'metadata.user_id' | 'customer' | 'payment_intent' };
type MoneyEvent = {
  kind: 'stripe_credit' | 'stripe_refund';
  direction: 'credit' | 'debit';
  amountMinor: number;
  currency: string;
  customerId: string | null;
  paymentIntentId: string | null;
  /** Credits: every PaymentIntent whose money this is (see billing_payment_credits). */
  claims: string[];
  objectId: string | null;
  metadata: Obj;
};

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 && v.length <= 255 ? v : null);
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
/** Expandable fields arrive as an id or as the expanded object. */
const idOf = (v: unknown): string | null => str(v) ?? str(obj(v).id);
const amountOf = (v: unknown): number => (typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : 0);

export function createStripeWebhookService(deps: {
  db: Db;
  kv: Kv;
  repo: BillingRepo;
  wallet: WalletService;
  users: Pick<UsersService, 'exists' | 'existingIds' | 'idsByStripeCustomerIds' | 'setStripeCustomerId'>;
  audit: Pick<AuditService, 'recordMany'>;
  logger: Logger;
  webhookSecret: string | undefined;
  /**
   * The PaymentIntents of an invoice's InvoicePayments (Stripe API, when STRIPE_SECRET_KEY is
   * set): lets a basil invoice.paid without its `payments` list be credited. Throws when Stripe
   * cannot answer.
   */
  invoicePaymentIntents?: (invoiceId: string) => Promise<string[] | null>;
  /** Most events applied in one transaction (group commit). */
  maxGroup?: number;
  /** Groups in flight at once: the next group is prepared while the previous one commits. */
  maxConcurrentGroups?: number;
}) {
  const { db, kv, repo, wallet, users, audit, logger } = deps;
  const maxGroup = deps.maxGroup ?? 64;
  const maxFlushers = deps.maxConcurrentGroups ?? 2;

  function verify(rawBody: Buffer | undefined, signature: string | string[] | undefined): Stripe.Event {
    if (!deps.webhookSecret) throw new ServiceUnavailableError('Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET)', 'stripe_webhooks_not_configured');
    if (typeof signature !== 'string' || signature.length === 0) throw new BadRequestError('Stripe-Signature header is missing', 'STRIPE_SIGNATURE_MISSING');
    if (signature.length > 4096) throw new BadRequestError('Stripe-Signature header is too long', 'STRIPE_SIGNATURE_INVALID');
    if (!rawBody || rawBody.length === 0) throw new BadRequestError('Body is empty', 'STRIPE_PAYLOAD_INVALID');
    let event: Stripe.Event;
    try {
      event = Stripe.webhooks.constructEvent(rawBody, signature, deps.webhookSecret, STRIPE_SIGNATURE_TOLERANCE_S);
      // The library only bounds the past; a timestamp beyond the tolerance ahead is refused too,
      // so a signed header cannot be minted now for replay later.
      const ts = Number(/(?:^|,)t=(\d{1,12})(?:,|$)/.exec(signature)?.[1] ?? NaN);
      if (!(ts <= Date.now() / 1000 + STRIPE_SIGNATURE_TOLERANCE_S)) throw new Error('Timestamp is too far in the future');
    } catch (err) {
      logger.warn({ event: 'billing.stripe.signature_invalid', reason: (err as Error).message?.slice(0, 200) }, 'billing.stripe.signature_invalid');
      throw new BadRequestError('Stripe signature verification failed', 'STRIPE_SIGNATURE_INVALID');
    }
    if (!str(event?.id) || !str(event?.type) || !event.data || typeof event.data.object !== 'object') {
      throw new BadRequestError('Not a Stripe event', 'STRIPE_PAYLOAD_INVALID');
    }
    return event;
  }

  /** The money an event moves, or an outcome saying why it moves none. */
  function moneyOf(event: Stripe.Event): MoneyEvent | WebhookOutcome {
    const o = obj(event.data.object);
    switch (event.type) {
      case 'payment_intent.succeeded': {
        // An invoiced payment is credited by invoice.paid; crediting here too would count it twice.
        if (o.invoice) return 'ignored_invoiced';
        const amount = amountOf(o.amount_received) || amountOf(o.amount);
        if (!amount) return 'ignored_zero_amount';
        const id = str(o.id);
        // From API 2025-03-31 (basil) the invoice field is gone: an invoice's PaymentIntent
        // comes here too, and the claim on its id keeps invoice.paid from counting it again.
        return { kind: 'stripe_credit', direction: 'credit', amountMinor: amount, currency: String(o.currency ?? '').toLowerCase(), customerId: idOf(o.customer), paymentIntentId: id, claims: id ? [id] : [], objectId: id, metadata: obj(o.metadata) };
      }
      case 'invoice.paid': {
        const amount = amountOf(o.amount_paid);
        if (!amount) return 'ignored_zero_amount';
        // Subscription invoices carry the subscription's metadata under parent (API 2025+) or subscription_details.
        const metadata = { ...obj(obj(obj(o.parent).subscription_details).metadata), ...obj(obj(o.subscription_details).metadata), ...obj(o.metadata) };
        // A basil invoice that does not say which PaymentIntents paid it is not credited: its
        // money is credited by their payment_intent.succeeded, which cannot be told apart.
        const claims = invoicePaymentIntents(o);
        if (!claims) return 'ignored_payment_unknown';
        return { kind: 'stripe_credit', direction: 'credit', amountMinor: amount, currency: String(o.currency ?? '').toLowerCase(), customerId: idOf(o.customer), paymentIntentId: claims[0] ?? null, claims, objectId: str(o.id), metadata };
      }
      case 'refund.created': {
        const amount = amountOf(o.amount);
        if (!amount) return 'ignored_zero_amount';
        return { kind: 'stripe_refund', direction: 'debit', amountMinor: amount, currency: String(o.currency ?? '').toLowerCase(), customerId: null, paymentIntentId: idOf(o.payment_intent), claims: [], objectId: str(o.id), metadata: obj(o.metadata) };
      }
      default:
        return 'ignored_type';
    }
  }

  async function linkCustomer(tx: DbOrTx, event: Stripe.Event): Promise<{ outcome: WebhookOutcome; meta: Obj }> {
    const o = obj(event.data.object);
    const userId = str(obj(o.metadata).hive_user_id);
    const customer = idOf(o.customer);
    if (!userId || !UUID.test(userId) || !customer?.startsWith('cus_') || !(await users.exists(userId, tx))) {
      return { outcome: 'ignored_no_match', meta: { customerId: customer } };
    }
    const changed = await users.setStripeCustomerId(userId, customer, tx);
    return { outcome: changed ? 'customer_linked' : 'ignored_no_match', meta: { userId, customerId: customer } };
  }

  type Applied = { outcome: WebhookOutcome; meta: Obj };

  /**
   * Resolves and applies money events in `tx`. Users are looked up for the whole group at
   * once: metadata.hive_user_id, then metadata.user_id (existing users only), then the
   * customer (users.stripe_customer_id), then for refunds the user credited for the same
   * PaymentIntent (earlier in this group or in the ledger).
   */
  async function applyMoney(tx: DbOrTx, items: { event: Stripe.Event; m: MoneyEvent }[]): Promise<Applied[]> {
    const candidates = items.flatMap(({ m }) => [str(m.metadata.hive_user_id), str(m.metadata.user_id)]).filter((x): x is string => !!x && UUID.test(x));
    const customers = items.map(({ m }) => m.customerId).filter((c): c is string => !!c?.startsWith('cus_'));
    const existing = await users.existingIds(candidates, tx);
    const byCustomer = await users.idsByStripeCustomerIds(customers, tx);
    const creditedPaymentIntents = new Map<string, string>();
    // Read without the wallet locks: only to avoid queueing an already-paid payment for an admin.
    // The locked check in applyMovements (and the primary key behind it) is the one that decides.
    const claimed = await repo.paymentCredits(tx, [...new Set(items.flatMap(({ m }) => m.claims))]);
    const claimedInGroup = new Map<string, string>();
    const results: Applied[] = new Array(items.length);
    const movements: { index: number; movement: Movement; via: Resolution['via'] }[] = [];
    for (const [index, { event, m }] of items.entries()) {
      let who: Resolution | null = null;
      for (const key of ['hive_user_id', 'user_id'] as const) {
        const id = str(m.metadata[key]);
        if (!who && id && existing.has(id)) who = { userId: id, via: `metadata.${key}` };
      }
      if (!who && m.customerId && byCustomer.has(m.customerId)) who = { userId: byCustomer.get(m.customerId)!, via: 'customer' };
      if (!who && m.kind === 'stripe_refund' && m.paymentIntentId) {
        // The ledger outlives accounts: the credited user may have been deleted since.
        const id = creditedPaymentIntents.get(m.paymentIntentId) ?? (await repo.userOfPaymentIntent(tx, m.paymentIntentId));
        if (id && (existing.has(id) || (await users.exists(id, tx)))) who = { userId: id, via: 'payment_intent' };
      }
      const reason = !who ? 'user_not_found' : m.currency !== wallet.currency ? 'currency_mismatch' : null;
      // A claim by this very event (an admin assigned it) makes a redelivery a plain duplicate.
      const claimer = (pi: string) => claimed.get(pi) ?? claimedInGroup.get(pi);
      const taken = reason ? m.claims.find((pi) => claimer(pi) !== undefined && claimer(pi) !== event.id) : undefined;
      if (taken) {
        const creditedBy = claimer(taken)!;
        results[index] = { outcome: 'already_credited', meta: { paymentIntentId: taken, creditedBy, amountMinor: m.amountMinor, currency: m.currency } };
        continue;
      }
      if (reason) {
        const row = await repo.insertUnresolved(tx, {
          stripeEventId: event.id,
          eventType: event.type,
          reason,
          direction: m.direction,
          amountMinor: m.amountMinor,
          currency: m.currency.slice(0, 16),
          customerId: m.customerId,
          paymentIntentId: m.paymentIntentId,
          details: { objectId: m.objectId, paymentIntentIds: m.claims, hiveUserId: str(m.metadata.hive_user_id), userId: str(m.metadata.user_id), resolvedUserId: who?.userId ?? null },
        });
        results[index] = { outcome: row ? 'unresolved' : 'duplicate', meta: { reason, amountMinor: m.amountMinor, currency: m.currency } };
        continue;
      }
      if (m.direction === 'credit' && m.paymentIntentId) creditedPaymentIntents.set(m.paymentIntentId, who!.userId);
      for (const pi of m.claims) {
        if (!claimedInGroup.has(pi)) claimedInGroup.set(pi, event.id);
        if (!creditedPaymentIntents.has(pi)) creditedPaymentIntents.set(pi, who!.userId);
      }
      movements.push({
        index,
        via: who!.via,
        movement: {
          userId: who!.userId,
          kind: m.kind,
          direction: m.direction,
          amountMinor: m.amountMinor,
          currency: m.currency,
          stripeEventId: event.id,
          stripeEventType: event.type,
          paymentIntentId: m.paymentIntentId,
          claims: m.claims,
          description: m.kind === 'stripe_credit' ? (event.type === 'invoice.paid' ? 'Stripe invoice paid' : 'Stripe payment') : 'Stripe refund',
          metadata: { objectId: m.objectId, resolvedVia: who!.via, livemode: event.livemode === true },
          onShortfall: 'clamp',
        },
      });
    }
    const applied = await wallet.applyMovements(tx, movements.map((x) => x.movement));
    for (const [i, { index, movement, via }] of movements.entries()) {
      const r = applied[i]!;
      results[index] = !r.applied
        ? r.reason === 'already_credited'
          ? // Another event (the payment's or its invoice's) credited this money: recorded, not applied.
            { outcome: 'already_credited', meta: { userId: movement.userId, paymentIntentId: r.paymentIntentId, creditedBy: r.creditedBy, amountMinor: movement.amountMinor, currency: movement.currency } }
          : { outcome: 'duplicate', meta: { userId: movement.userId } }
        : {
            outcome: movement.direction === 'credit' ? 'credited' : 'debited',
            meta: {
              userId: movement.userId,
              resolvedVia: via,
              amountMinor: r.entry.amountMinor,
              currency: movement.currency,
              balanceAfterMinor: r.balanceAfterMinor,
              ledgerEntryId: r.entry.id,
              ...(r.shortfallMinor > 0 ? { shortfallMinor: r.shortfallMinor } : {}),
            },
          };
    }
    return results;
  }

  /**
   * Applies events in one transaction and commits them with their audit rows. Customer links
   * go first (a payment in the same group may resolve through them); audit rows go last
   * (audit.recordMany holds the global chain lock until commit), after every wallet lock.
   */
  async function applyAll(events: Stripe.Event[]): Promise<Applied[]> {
    return db.transaction(async (tx) => {
      const results: (Applied | undefined)[] = new Array(events.length);
      const money: { index: number; event: Stripe.Event; m: MoneyEvent }[] = [];
      for (const [index, event] of events.entries()) {
        if (event.type === 'checkout.session.completed') {
          results[index] = await linkCustomer(tx, event);
          continue;
        }
        const m = moneyOf(event);
        if (typeof m === 'string') {
          const o = obj(event.data.object);
          results[index] = { outcome: m, meta: m === 'ignored_payment_unknown' ? { objectId: str(o.id), amountMinor: amountOf(o.amount_paid), currency: str(o.currency) } : {} };
        }
        else money.push({ index, event, m });
      }
      const moved = await applyMoney(tx, money);
      money.forEach(({ index }, i) => (results[index] = moved[i]));
      // Duplicates were audited when first applied.
      await audit.recordMany(
        results.flatMap((r, i) => {
          const event = events[i]!;
          if (!r || r.outcome === 'duplicate') return [];
          return [
            {
              action: 'billing.stripe.webhook',
              actor: null,
              target: { type: 'stripe_event', id: event.id },
              outcome: r.outcome === 'unresolved' ? ('failure' as const) : ('success' as const),
              metadata: { type: event.type, outcome: r.outcome, livemode: event.livemode === true, ...r.meta },
            },
          ];
        }),
        tx,
      );
      return results as Applied[];
    });
  }

  // Group commit: deliveries arriving while a transaction runs are applied together in the
  // next one, so the audit chain lock and the commit's fsync are paid once per group rather
  // than once per event (each event is still all-or-nothing with its audit row). A failed
  // group is retried event by event, so one bad event cannot fail the others.
  type Pending = { event: Stripe.Event; resolve: (r: Applied) => void; reject: (err: unknown) => void };
  const pending: Pending[] = [];
  let flushing = 0;

  /** One event alone; a PaymentIntent claimed concurrently is seen as claimed on the rerun. */
  async function applyOne(event: Stripe.Event): Promise<Applied> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await applyAll([event]))[0]!;
      } catch (err) {
        if (!(err instanceof PaymentClaimConflictError) || attempt >= 3) throw err;
      }
    }
  }

  async function flush(): Promise<void> {
    flushing++;
    try {
      while (pending.length > 0) {
        const group = pending.splice(0, maxGroup);
        try {
          const results = await applyAll(group.map((p) => p.event));
          group.forEach((p, i) => p.resolve(results[i]!));
        } catch (err) {
          if (group.length === 1 && !(err instanceof PaymentClaimConflictError)) {
            group[0]!.reject(err);
            continue;
          }
          for (const p of group) {
            await applyOne(p.event).then(p.resolve, p.reject);
          }
        }
      }
    } finally {
      flushing--;
    }
  }

  async function apply(received: Stripe.Event): Promise<WebhookOutcome> {
    if (moneyOf(received) === 'ignored_type' && received.type !== 'checkout.session.completed') return 'ignored_type';
    const event = deps.invoicePaymentIntents ? await withInvoicePayments(received, deps.invoicePaymentIntents, logger) : received;
    const { outcome, meta } = await new Promise<Applied>((resolve, reject) => {
      pending.push({ event, resolve, reject });
      if (flushing < maxFlushers) void flush();
    });
    logger.info({ event: `billing.stripe.${outcome}`, stripeEventId: event.id, type: event.type, ...meta }, `billing.stripe.${outcome}`);
    return outcome;
  }

  return {
    /** Handles one delivery; throws AppError (400/503) for what must not be retried as-is. */
    async handle(rawBody: Buffer | undefined, signature: string | string[] | undefined): Promise<{ received: true; outcome: WebhookOutcome }> {
      const event = verify(rawBody, signature);
      const hintKey = WEBHOOK_HINT_PREFIX + event.id;
      const hint = await kv.get(hintKey).catch((err) => {
        logger.warn({ err, event: 'billing.stripe.kv_unavailable' }, 'billing.stripe.kv_unavailable');
        return null;
      });
      if (hint) {
        logger.debug({ event: 'billing.stripe.duplicate', stripeEventId: event.id, via: 'kv' }, 'billing.stripe.duplicate');
        return { received: true, outcome: 'duplicate' };
      }
      let outcome: WebhookOutcome;
      try {
        outcome = await apply(event);
      } catch (err) {
        if (err instanceof AppError) throw err;
        logger.error({ err, event: 'billing.stripe.failed', stripeEventId: event.id, type: event.type }, 'billing.stripe.failed');
        throw err;
      }
      if (outcome === 'ignored_type') {
        logger.debug({ event: 'billing.stripe.ignored', stripeEventId: event.id, type: event.type }, 'billing.stripe.ignored');
      } else {
        await kv.set(hintKey, outcome, { ttlMs: HINT_TTL_MS }).catch(() => undefined);
      }
      return { received: true, outcome };
    },
  };
}

export type StripeWebhookService = ReturnType<typeof createStripeWebhookService>;
