// What secrets and settings need from the audit log, in their own terms; adaptAuditService()
// maps it onto the one audit writer (modules/audit), so every row lands in the same chain.
import type { DbOrTx } from './db/database.js';
import type { Principal } from '../http/principal.js';
import type { AuditService } from '../modules/audit/audit.service.js';

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
  /** The caller as resolved by access control; recorded with type and email in audit_logs. */
  principal?: Principal;
}

export interface AuditPort {
  /** Written in `tx` when given, so the audit row commits with the change it describes. */
  record(entry: AuditEntry, tx?: DbOrTx): Promise<void>;
}

export function adaptAuditService(audit: Pick<AuditService, 'record'>): AuditPort {
  return {
    record(entry, tx) {
      return audit.record(
        {
          action: entry.action,
          actor: entry.principal ?? null,
          target: { type: entry.targetType, id: entry.targetId ?? '' },
          ip: entry.ip,
          metadata: { ...entry.details, actorId: entry.actor, ...(entry.requestId ? { requestId: entry.requestId } : {}) },
        },
        tx,
      );
    },
  };
}
