// Inference metering (spec §2.1): a durable job debits the agent owner's wallet for each
// inference_usage row, idempotently (stripe_event_id = hive_usage:{id}). A row whose charge
// exceeds the balance is marked skipped_insufficient and never debited later; usage stays
// recorded either way. With BILLING_USAGE_MINOR_PER_1K_TOKENS = 0 rows are marked `free`, so
// turning metering on later bills only new usage. Rows of a deleted owner are marked
// skipped_no_owner.
import type { Db } from '../../lib/db/database.js';
import type { JobQueue } from '../../lib/jobs/job-queue.js';
import type { Logger } from '../../lib/logger.js';
import type { BillingRepo } from './billing.repo.js';
import type { UsersService } from '../users/users.service.js';
import type { WalletService } from './wallet.service.js';

export const METERING_QUEUE = 'billing.usage-metering';
const BATCH = 100;
/** Passes per job run: bounded so one run never holds a worker for long. */
const MAX_BATCHES = 50;

/** Minor units for `tokens` at `ratePer1k`, rounded half up; BigInt so large products stay exact. */
export function usageChargeMinor(tokens: number, ratePer1k: number): number {
  if (tokens <= 0 || ratePer1k <= 0) return 0;
  return Number((BigInt(tokens) * BigInt(ratePer1k) + 500n) / 1000n);
}

export interface MeteringCounts {
  debited: number;
  skipped: number;
  free: number;
}

export function createUsageMetering(deps: {
  db: Db;
  repo: BillingRepo;
  wallet: WalletService;
  users: Pick<UsersService, 'existingIds'>;
  logger: Logger;
  ratePer1k: number;
  batchSize?: number;
}) {
  const { db, repo, wallet, logger, ratePer1k } = deps;
  const batchSize = deps.batchSize ?? BATCH;

  async function batch(): Promise<MeteringCounts & { claimed: number }> {
    return db.transaction(async (tx) => {
      const rows = await repo.claimUnbilledUsage(tx, batchSize);
      const counts = { claimed: rows.length, debited: 0, skipped: 0, free: 0 };
      // usage rows have no foreign key: their owner may have been deleted since. Such rows are
      // closed (a wallet cannot be created for a missing user, and retrying would block the queue).
      const owners = rows.length > 0 && ratePer1k > 0 ? await deps.users.existingIds(rows.map((r) => r.owner_id), tx) : new Set<string>();
      // One lock order (by owner) across concurrent passes, so wallet locks cannot deadlock.
      rows.sort((a, b) => (a.owner_id < b.owner_id ? -1 : a.owner_id > b.owner_id ? 1 : 0));
      for (const row of rows) {
        const charge = usageChargeMinor(row.tokens, ratePer1k);
        if (charge > 0 && !owners.has(row.owner_id)) {
          await repo.markUsage(tx, row.id, 'skipped_no_owner');
          counts.skipped++;
          continue;
        }
        if (charge === 0) {
          await repo.markUsage(tx, row.id, 'free');
          counts.free++;
          continue;
        }
        const r = await wallet.applyMovement(tx, {
          userId: row.owner_id,
          kind: 'usage_debit',
          direction: 'debit',
          amountMinor: charge,
          currency: wallet.currency,
          stripeEventId: `hive_usage:${row.id}`,
          description: `Inference usage (${row.tokens} tokens)`,
          metadata: { inferenceUsageId: row.id, tokens: row.tokens, ratePer1k },
          onShortfall: 'refuse',
        });
        // A duplicate means an earlier pass debited but did not mark (cannot happen in one
        // transaction, but the ledger row is what counts): the row is debited.
        const status = r.applied || r.reason === 'duplicate' ? 'debited' : 'skipped_insufficient';
        await repo.markUsage(tx, row.id, status);
        if (status === 'debited') counts.debited++;
        else {
          counts.skipped++;
          logger.info({ event: 'billing.usage.skipped_insufficient', userId: row.owner_id, inferenceUsageId: row.id, chargeMinor: charge, balanceMinor: r.applied ? r.balanceAfterMinor : r.balanceMinor }, 'billing.usage.skipped_insufficient');
        }
      }
      return counts;
    });
  }

  /** Processes unbilled rows until none is left (or the per-run bound is reached). */
  async function runOnce(): Promise<MeteringCounts> {
    const total = { debited: 0, skipped: 0, free: 0 };
    for (let i = 0; i < MAX_BATCHES; i++) {
      const c = await batch();
      total.debited += c.debited;
      total.skipped += c.skipped;
      total.free += c.free;
      if (c.claimed < batchSize) break;
    }
    if (total.debited + total.skipped > 0) logger.info({ event: 'billing.usage.metered', ...total }, 'billing.usage.metered');
    return total;
  }

  return {
    runOnce,
    /** Registers the job handler (construction; runs only when the queue is worked). */
    register(jobs: JobQueue): void {
      jobs.register(METERING_QUEUE, async () => {
        await runOnce();
      }, { concurrency: 1 });
    },
    /** Declares the recurring run; every replica may call it (one schedule row). */
    async schedule(jobs: JobQueue, everyMs = 5_000): Promise<void> {
      await jobs.schedule(METERING_QUEUE, { everyMs }, METERING_QUEUE);
    },
    enqueue: (jobs: JobQueue) => jobs.enqueue(METERING_QUEUE, {}),
  };
}

export type UsageMetering = ReturnType<typeof createUsageMetering>;
