// The money core: every balance change goes through applyMovement(), inside the caller's
// transaction, with the wallet row locked and a ledger row whose stripe_event_id is unique.
// Duplicates (same id) change nothing; debits never take a balance below zero.
import type { Clock } from '../../lib/clock.js';
import type { Db, DbOrTx } from '../../lib/db/database.js';
import { NotFoundError } from '../../lib/errors.js';
import type { SpendDecision, SpendGuard } from '../llm/llm.ports.js';
import type { UsersService } from '../users/users.service.js';
import type { BillingRepo, NewLedgerEntry } from './billing.repo.js';
import type { LedgerRow, WalletRow } from './billing.tables.js';

export type LedgerKind = 'stripe_credit' | 'stripe_refund' | 'usage_debit' | 'admin_assignment';

export interface Movement {
  userId: string;
  kind: LedgerKind;
  direction: 'credit' | 'debit';
  amountMinor: number;
  currency: string;
  /** Idempotency key: `evt_…` or `hive_usage:{id}`. */
  stripeEventId: string;
  stripeEventType?: string | null;
  paymentIntentId?: string | null;
  /**
   * Credits only: the PaymentIntents whose money this is (billing_payment_credits). A credit
   * whose PaymentIntent is already claimed, by any event, changes nothing: `already_credited`.
   */
  claims?: string[];
  description: string;
  metadata?: Record<string, unknown>;
  /**
   * What a debit larger than the balance does: `clamp` takes what is there (refunds: the money
   * already left through Stripe, the wallet cannot go negative) and records the shortfall;
   * `refuse` applies nothing (usage debits are skipped).
   */
  onShortfall: 'clamp' | 'refuse';
}

export type MovementResult =
  | { applied: true; entry: LedgerRow; balanceAfterMinor: number; shortfallMinor: number }
  | { applied: false; reason: 'duplicate' | 'insufficient_balance'; balanceMinor: number }
  | { applied: false; reason: 'already_credited'; balanceMinor: number; paymentIntentId: string; creditedBy: string };

/**
 * A PaymentIntent was claimed by a transaction that did not hold our wallet locks (the two
 * events resolved to different users) and committed while we ran. Nothing of ours may commit;
 * running the same work again sees the claim and answers `already_credited`.
 */
export class PaymentClaimConflictError extends Error {
  constructor() {
    super('PaymentIntent claimed concurrently; retry');
  }
}

export interface LedgerItem {
  id: string;
  kind: string;
  direction: 'credit' | 'debit';
  amountMinor: number;
  signedAmountMinor: number;
  currency: string;
  balanceAfterMinor: number;
  description: string;
  stripeEventId: string;
  stripeEventType: string | null;
  paymentIntentId: string | null;
  metadata: Record<string, unknown>;
  createdAt: string;
}

export interface SpendLimits {
  monthlySpendLimitMinor: number | null;
  hardStop: boolean;
  spentThisMonthMinor: number;
  periodStart: string;
}

export function toLedgerItem(r: LedgerRow): LedgerItem {
  return {
    id: r.id,
    kind: r.kind,
    direction: r.direction,
    amountMinor: r.amountMinor,
    signedAmountMinor: r.direction === 'credit' ? r.amountMinor : -r.amountMinor,
    currency: r.currency,
    balanceAfterMinor: r.balanceAfterMinor,
    description: r.description,
    stripeEventId: r.stripeEventId,
    stripeEventType: r.stripeEventType,
    paymentIntentId: r.paymentIntentId,
    metadata: r.metadata,
    createdAt: r.createdAt.toISOString(),
  };
}

/** Start of the calendar month (UTC) containing `now`: the spending limit's period. */
/** The PaymentIntents a movement claims: only credits claim. */
function claimsOf(m: Movement): string[] {
  return m.direction === 'credit' ? [...new Set(m.claims ?? [])] : [];
}

export function monthStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

export function createWalletService(deps: {
  db: Db;
  repo: BillingRepo;
  users: Pick<UsersService, 'exists'>;
  clock: Clock;
  currency: string;
}) {
  const { db, repo, clock, currency } = deps;

  /**
   * Applies movements in order, in `tx`: locks every wallet involved (sorted, one statement),
   * skips ids already in the ledger (or earlier in the list), writes the ledger rows and the
   * new balances. Results are in the order of `ms`.
   */
  async function applyMovements(tx: DbOrTx, ms: Movement[]): Promise<MovementResult[]> {
    if (ms.length === 0) return [];
    for (const m of ms) if (!Number.isSafeInteger(m.amountMinor) || m.amountMinor < 0) throw new Error(`invalid amount ${m.amountMinor}`);
    const userIds = [...new Set(ms.map((m) => m.userId))].sort();
    const wallets = await repo.lockWallets(tx, userIds, currency);
    const balance = new Map(wallets.map((w) => [w.userId, w.balanceMinor]));
    // Read under the wallet locks: a concurrent duplicate of the same user waited above.
    const seen = await repo.existingEventIds(tx, [...new Set(ms.map((m) => m.stripeEventId))]);
    const claimed = await repo.paymentCredits(tx, [...new Set(ms.flatMap((m) => claimsOf(m)))]);
    const now = clock.now();
    const pending: { index: number; row: NewLedgerEntry; shortfall: number }[] = [];
    const newClaims: { paymentIntentId: string; stripeEventId: string; userId: string; createdAt: Date }[] = [];
    const results: (MovementResult | null)[] = ms.map((m, index) => {
      const before = balance.get(m.userId)!;
      if (seen.has(m.stripeEventId)) return { applied: false, reason: 'duplicate', balanceMinor: before };
      const taken = claimsOf(m).find((pi) => claimed.has(pi));
      if (taken) return { applied: false, reason: 'already_credited', balanceMinor: before, paymentIntentId: taken, creditedBy: claimed.get(taken)! };
      for (const pi of claimsOf(m)) {
        claimed.set(pi, m.stripeEventId);
        newClaims.push({ paymentIntentId: pi, stripeEventId: m.stripeEventId, userId: m.userId, createdAt: now });
      }
      let amount = m.amountMinor;
      let shortfall = 0;
      if (m.direction === 'debit' && amount > before) {
        if (m.onShortfall === 'refuse') return { applied: false, reason: 'insufficient_balance', balanceMinor: before };
        shortfall = amount - before;
        amount = before;
      }
      const after = m.direction === 'credit' ? before + amount : before - amount;
      balance.set(m.userId, after);
      seen.add(m.stripeEventId);
      pending.push({
        index,
        shortfall,
        row: {
          userId: m.userId,
          kind: m.kind,
          direction: m.direction,
          amountMinor: amount,
          currency: m.currency,
          balanceAfterMinor: after,
          stripeEventId: m.stripeEventId,
          stripeEventType: m.stripeEventType ?? null,
          paymentIntentId: m.paymentIntentId ?? null,
          description: m.description,
          metadata: { ...m.metadata, ...(shortfall > 0 ? { requestedMinor: m.amountMinor, shortfallMinor: shortfall } : {}) },
          createdAt: now,
        },
      });
      return null;
    });
    if (pending.length === 0) return results as MovementResult[];
    const inserted = await repo.insertLedgerMany(tx, pending.map((p) => p.row));
    if (inserted.length !== pending.length) {
      // An id was written by a transaction that did not hold our wallet lock (a user resolved
      // differently in between). With one movement it is simply a duplicate; with several the
      // computed balances are void: fail, and the caller retries one by one.
      if (ms.length === 1) return [{ applied: false, reason: 'duplicate', balanceMinor: wallets[0]!.balanceMinor }];
      throw new Error('ledger conflict in a grouped movement; retry one by one');
    }
    // After the ledger rows: a claim held by an uncommitted transaction makes this insert wait
    // for it; if it commits, the claim is not ours and neither is anything else here.
    if ((await repo.claimPaymentCredits(tx, newClaims)) !== newClaims.length) throw new PaymentClaimConflictError();
    const byEvent = new Map(inserted.map((r) => [r.stripeEventId, r]));
    for (const p of pending) {
      const entry = byEvent.get(p.row.stripeEventId)!;
      results[p.index] = { applied: true, entry, balanceAfterMinor: entry.balanceAfterMinor, shortfallMinor: p.shortfall };
    }
    const changed = userIds.filter((id) => pending.some((p) => p.row.userId === id));
    await repo.setBalances(tx, changed.map((userId) => ({ userId, balanceMinor: balance.get(userId)! })), now);
    return results as MovementResult[];
  }

  async function applyMovement(tx: DbOrTx, m: Movement): Promise<MovementResult> {
    return (await applyMovements(tx, [m]))[0]!;
  }

  async function wallet(userId: string): Promise<{ balanceMinor: number; currency: string; updatedAt: string | null }> {
    const w = await repo.wallet(db, userId);
    return { balanceMinor: w?.balanceMinor ?? 0, currency: w?.currency ?? currency, updatedAt: w?.updatedAt.toISOString() ?? null };
  }

  async function ledger(userId: string, limit: number, offset: number) {
    const { rows, total } = await repo.ledgerPage(db, userId, limit, offset);
    return { items: rows.map(toLedgerItem), total, limit, offset };
  }

  async function limits(userId: string): Promise<SpendLimits> {
    const since = monthStart(clock.now());
    const [w, spent] = await Promise.all([repo.wallet(db, userId), repo.usageDebitedSince(db, userId, since)]);
    return {
      monthlySpendLimitMinor: w?.monthlySpendLimitMinor ?? null,
      hardStop: w?.hardStop ?? false,
      spentThisMonthMinor: spent,
      periodStart: since.toISOString(),
    };
  }

  async function setLimits(userId: string, patch: { monthlySpendLimitMinor?: number | null; hardStop?: boolean }, tx?: DbOrTx): Promise<void> {
    const run = async (t: DbOrTx) => {
      if (!(await deps.users.exists(userId, t))) throw new NotFoundError('User not found', 'USER_NOT_FOUND');
      await repo.lockWallet(t, userId, currency);
      await repo.setLimits(t, userId, patch, clock.now());
    };
    if (tx) await run(tx);
    else await db.transaction(run);
  }

  /**
   * The LLM gateway's SpendGuard (llm.ports.ts). The hard stop refuses while the wallet is
   * empty; the monthly limit counts usage debits already metered, so it can be exceeded by the
   * calls still waiting for the metering job (seconds).
   */
  const spendGuard: SpendGuard = {
    async check(ownerId: string): Promise<SpendDecision> {
      const w: WalletRow | null = await repo.wallet(db, ownerId);
      if (!w) return { allowed: true };
      if (w.hardStop && w.balanceMinor <= 0) {
        return { allowed: false, code: 'BILLING_WALLET_EMPTY', message: 'The wallet is empty; top it up to use models again' };
      }
      if (w.monthlySpendLimitMinor !== null) {
        const spent = await repo.usageDebitedSince(db, ownerId, monthStart(clock.now()));
        if (spent >= w.monthlySpendLimitMinor) {
          return { allowed: false, code: 'BILLING_SPEND_LIMIT_REACHED', message: 'The monthly spending limit is reached' };
        }
      }
      return { allowed: true };
    },
  };

  return { applyMovement, applyMovements, wallet, ledger, limits, setLimits, spendGuard, currency };
}

export type WalletService = ReturnType<typeof createWalletService>;
