// Daily purge of audit rows older than AUDIT_RETENTION_DAYS, as a durable scheduled job (runs
// once per schedule across replicas). The purge is itself recorded in the chain.
import type { Clock } from '../../lib/clock.js';
import type { JobQueue } from '../../lib/jobs/job-queue.js';
import type { Logger } from '../../lib/logger.js';
import type { AuditService } from './audit.service.js';

export const AUDIT_RETENTION_QUEUE = 'audit.retention';
const SCHEDULE_NAME = 'audit-retention';
const CRON = '17 3 * * *';

export function registerAuditRetention(deps: { jobs: JobQueue; audit: Pick<AuditService, 'purge'>; retentionDays: number; clock: Clock; logger: Logger }): void {
  deps.jobs.register(
    AUDIT_RETENTION_QUEUE,
    async () => {
      const before = new Date(deps.clock.now().getTime() - deps.retentionDays * 86_400_000);
      const { deleted } = await deps.audit.purge(before);
      if (deleted > 0) deps.logger.info({ deleted, before: before.toISOString() }, 'audit retention purge');
    },
    { concurrency: 1 },
  );
}

export function scheduleAuditRetention(jobs: JobQueue): Promise<void> {
  return jobs.schedule(SCHEDULE_NAME, { cron: CRON }, AUDIT_RETENTION_QUEUE);
}
