// Admin views and actions: every wallet's balance and limits, and the Stripe events that
// moved money but matched no user (assign them to a user, which applies them once, or dismiss).
import type { Clock } from '../../lib/clock.js';
import type { Db } from '../../lib/db/database.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { ActorContext, AuditService } from '../audit/audit.service.js';
import type { UsersService } from '../users/users.service.js';
import type { BillingRepo } from './billing.repo.js';
import type { UnresolvedEventRow } from './billing.tables.js';
import { PaymentClaimConflictError, toLedgerItem, type LedgerItem, type WalletService } from './wallet.service.js';

export interface UnresolvedEventView {
  stripeEventId: string;
  eventType: string;
  reason: string;
  direction: 'credit' | 'debit';
  amountMinor: number;
  currency: string;
  customerId: string | null;
  paymentIntentId: string | null;
  details: Record<string, unknown>;
  status: string;
  assignedUserId: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
  createdAt: string;
}

const view = (r: UnresolvedEventRow): UnresolvedEventView => ({
  stripeEventId: r.stripeEventId,
  eventType: r.eventType,
  reason: r.reason,
  direction: r.direction,
  amountMinor: r.amountMinor,
  currency: r.currency,
  customerId: r.customerId,
  paymentIntentId: r.paymentIntentId,
  details: r.details,
  status: r.status,
  assignedUserId: r.assignedUserId,
  resolvedBy: r.resolvedBy,
  resolvedAt: r.resolvedAt?.toISOString() ?? null,
  createdAt: r.createdAt.toISOString(),
});

const actorName = (ctx: ActorContext) =>
  ctx.actor?.kind === 'user' ? ctx.actor.userId : ctx.actor?.kind === 'internal' ? 'hive-internal' : 'system';

export function createBillingAdminService(deps: {
  db: Db;
  repo: BillingRepo;
  wallet: WalletService;
  users: Pick<UsersService, 'getById' | 'exists'>;
  audit: Pick<AuditService, 'record'>;
  clock: Clock;
  logger: Logger;
}) {
  const { db, repo, wallet, users, audit, clock, logger } = deps;

  async function balances(limit: number, offset: number) {
    const { rows, total } = await repo.walletsPage(db, limit, offset);
    const items = await Promise.all(
      rows.map(async (w) => ({
        userId: w.userId,
        email: (await users.getById(w.userId))?.email ?? null,
        balanceMinor: w.balanceMinor,
        currency: w.currency,
        monthlySpendLimitMinor: w.monthlySpendLimitMinor,
        hardStop: w.hardStop,
        updatedAt: w.updatedAt.toISOString(),
      })),
    );
    return { items, total, limit, offset };
  }

  async function unresolved(status: 'open' | 'assigned' | 'dismissed' | undefined, limit: number, offset: number) {
    const { rows, total } = await repo.unresolvedPage(db, status, limit, offset);
    return { items: rows.map(view), total, limit, offset };
  }

  /**
   * Applies an unresolved event to `userId`, once (same stripe_event_id as the event). A credit
   * whose PaymentIntent another event has credited since is refused (409), the event stays open.
   */
  async function assign(ctx: ActorContext, stripeEventId: string, userId: string): Promise<{ event: UnresolvedEventView; entry: LedgerItem | null }> {
    try {
      return await assignOnce(ctx, stripeEventId, userId);
    } catch (err) {
      // Claimed by a concurrent webhook for another user: the rerun sees the claim (409).
      if (err instanceof PaymentClaimConflictError) return assignOnce(ctx, stripeEventId, userId);
      throw err;
    }
  }

  async function assignOnce(ctx: ActorContext, stripeEventId: string, userId: string): Promise<{ event: UnresolvedEventView; entry: LedgerItem | null }> {
    const result = await db.transaction(async (tx) => {
      const ev = await repo.lockUnresolved(tx, stripeEventId);
      if (!ev) throw new NotFoundError('Unresolved event not found', 'BILLING_EVENT_NOT_FOUND');
      if (ev.status !== 'open') throw new ConflictError(`The event is already ${ev.status}`, 'BILLING_EVENT_CLOSED');
      if (ev.currency !== wallet.currency) {
        throw new ConflictError(`The event is in ${ev.currency}; wallets are kept in ${wallet.currency}`, 'BILLING_CURRENCY_MISMATCH');
      }
      if (!(await users.exists(userId, tx))) throw new NotFoundError('User not found', 'USER_NOT_FOUND');
      const listed = Array.isArray(ev.details.paymentIntentIds) ? ev.details.paymentIntentIds.filter((x): x is string => typeof x === 'string') : [];
      const claims = [...new Set([...(ev.paymentIntentId ? [ev.paymentIntentId] : []), ...listed])];
      const r = await wallet.applyMovement(tx, {
        userId,
        kind: 'admin_assignment',
        direction: ev.direction,
        amountMinor: ev.amountMinor,
        currency: ev.currency,
        stripeEventId: ev.stripeEventId,
        stripeEventType: ev.eventType,
        paymentIntentId: ev.paymentIntentId,
        claims,
        description: `Stripe ${ev.eventType} assigned by an admin`,
        metadata: { assignedBy: actorName(ctx) },
        onShortfall: 'clamp',
      });
      if (!r.applied && r.reason === 'already_credited') {
        throw new ConflictError(`PaymentIntent ${r.paymentIntentId} was already credited by ${r.creditedBy}; dismiss this event`, 'BILLING_PAYMENT_ALREADY_CREDITED');
      }
      const closed = await repo.closeUnresolved(tx, stripeEventId, { status: 'assigned', assignedUserId: userId, resolvedBy: actorName(ctx), resolvedAt: clock.now() });
      await audit.record(
        {
          action: 'billing.unresolved.assign',
          actor: ctx.actor,
          ip: ctx.ip,
          target: { type: 'stripe_event', id: stripeEventId },
          metadata: { userId, amountMinor: r.applied ? r.entry.amountMinor : 0, direction: ev.direction, applied: r.applied },
        },
        tx,
      );
      return { event: view(closed), entry: r.applied ? toLedgerItem(r.entry) : null };
    });
    logger.info({ event: 'billing.stripe.assigned', stripeEventId, userId }, 'billing.stripe.assigned');
    return result;
  }

  async function dismiss(ctx: ActorContext, stripeEventId: string): Promise<UnresolvedEventView> {
    return db.transaction(async (tx) => {
      const ev = await repo.lockUnresolved(tx, stripeEventId);
      if (!ev) throw new NotFoundError('Unresolved event not found', 'BILLING_EVENT_NOT_FOUND');
      if (ev.status !== 'open') throw new ConflictError(`The event is already ${ev.status}`, 'BILLING_EVENT_CLOSED');
      const closed = await repo.closeUnresolved(tx, stripeEventId, { status: 'dismissed', assignedUserId: null, resolvedBy: actorName(ctx), resolvedAt: clock.now() });
      await audit.record({ action: 'billing.unresolved.dismiss', actor: ctx.actor, ip: ctx.ip, target: { type: 'stripe_event', id: stripeEventId } }, tx);
      return view(closed);
    });
  }

  async function setLimits(ctx: ActorContext, userId: string, patch: { monthlySpendLimitMinor?: number | null; hardStop?: boolean }) {
    await db.transaction(async (tx) => {
      await wallet.setLimits(userId, patch, tx);
      await audit.record({ action: 'billing.limits.update', actor: ctx.actor, ip: ctx.ip, target: { type: 'user', id: userId }, metadata: { ...patch } }, tx);
    });
    return wallet.limits(userId);
  }

  return { balances, unresolved, assign, dismiss, setLimits };
}

export type BillingAdminService = ReturnType<typeof createBillingAdminService>;
