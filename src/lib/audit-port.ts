// What secrets and settings need from the audit log: the shape of AuditService.record (module
// audit, branch identity). Once that service is merged, callers receive it directly
// (`Pick<AuditService, 'record'>` is assignable here) and this port can point at its types.
import type { DbOrTx } from './db/database.js';

export interface AuditEntry {
  /** principalId() of who acted. */
  actor: string;
  /** Dotted verb, e.g. `secret.created`, `settings.security.updated`. */
  action: string;
  targetType: string;
  targetId?: string | null;
  /** Never secret values. */
  details?: Record<string, unknown>;
  requestId?: string;
  ip?: string;
}

export interface AuditPort {
  /** Written in `tx` when given, so the audit row commits with the change it describes. */
  record(entry: AuditEntry, tx?: DbOrTx): Promise<void>;
}

/** Interim wiring until the audit service is merged: audit entries go to the log. */
export function createLogAudit(logger: { info(obj: object, msg: string): void }): AuditPort {
  return {
    async record(entry) {
      logger.info({ audit: entry }, 'audit');
    },
  };
}
