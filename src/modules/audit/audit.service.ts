// The ONE writer of audit_logs. Every security-relevant action goes through record(); the
// rows form a hash chain (audit-chain.ts) that `pilox audit verify` checks.
import type { Clock } from '../../lib/clock.js';
import type { Db, DbOrTx } from '../../lib/db/database.js';
import type { Logger } from '../../lib/logger.js';
import type { Principal } from '../../http/principal.js';
import { GENESIS_HASH, rowHash, sanitizeMetadata } from './audit-chain.js';
import { createAuditRepo, type AuditFilter } from './audit.repo.js';
import type { AuditLogRow } from './audit.tables.js';

export interface AuditEntry {
  /** Dotted, stable name: `auth.login`, `user.role_change`, `token.create` … */
  action: string;
  /** null for the system itself (CLI, scheduled jobs). */
  actor: Principal | null;
  target?: { type: string; id: string };
  outcome?: 'success' | 'failure';
  ip?: string;
  metadata?: Record<string, unknown>;
}

/** Who acts and from where; services take it from routes and pass it to record(). */
export interface ActorContext {
  actor: Principal | null;
  ip?: string;
}

export interface AuditVerifyResult {
  ok: boolean;
  checked: number;
  firstId: number | null;
  lastId: number | null;
  /** The newest row's hash: record it elsewhere to also detect truncation of the newest rows. */
  headHash: string | null;
  broken?: { id: number; reason: string };
}

export type AuditLogView = Omit<AuditLogRow, 'createdAt' | 'prevHash'> & { createdAt: string };

function actorColumns(actor: Principal | null): { actorType: string; actorId: string | null; actorEmail: string | null } {
  if (!actor) return { actorType: 'system', actorId: null, actorEmail: null };
  switch (actor.kind) {
    case 'user':
      return { actorType: 'user', actorId: actor.userId, actorEmail: actor.email };
    case 'internal':
      return { actorType: 'internal', actorId: 'hive-internal', actorEmail: null };
    case 'federation':
      return { actorType: 'federation', actorId: actor.peerOrigin, actorEmail: null };
    case 'anonymous':
      return { actorType: 'anonymous', actorId: null, actorEmail: null };
  }
}

const cap = (s: string | null | undefined, n: number) => (s == null ? null : s.slice(0, n));

export function createAuditService(deps: { db: Db; clock: Clock; logger: Logger }) {
  const { db, clock } = deps;
  const repo = createAuditRepo();

  function content(entry: AuditEntry, id: number) {
    const c = {
      id,
      // Millisecond precision, like the stored value read back, so the hash is reproducible.
      createdAt: new Date(clock.now().getTime()),
      action: cap(entry.action, 128)!,
      ...actorColumns(entry.actor),
      targetType: cap(entry.target?.type, 64),
      targetId: cap(entry.target?.id, 256),
      outcome: entry.outcome ?? 'success',
      ip: cap(entry.ip, 64),
      metadata: sanitizeMetadata(entry.metadata),
    };
    c.actorEmail = cap(c.actorEmail, 320);
    c.actorId = cap(c.actorId, 256);
    return c;
  }

  async function appendLocked(tx: DbOrTx, entry: AuditEntry, at: { id?: number; prevHash?: string } = {}): Promise<number> {
    const prevHash = at.prevHash ?? (await repo.lastHash(tx)) ?? GENESIS_HASH;
    const rowId = at.id ?? (await repo.nextId(tx));
    const c = content(entry, rowId);
    await repo.insert(tx, { ...c, prevHash, hash: rowHash(prevHash, c) });
    return rowId;
  }

  /**
   * Appends one row. With `tx`, the row commits (or not) with the caller's change; call it last
   * in that transaction, since it holds the chain lock until commit.
   */
  async function record(entry: AuditEntry, tx?: DbOrTx): Promise<void> {
    if (tx) {
      await repo.lockChain(tx);
      await appendLocked(tx, entry);
      return;
    }
    await db.transaction(async (t) => {
      await repo.lockChain(t);
      await appendLocked(t, entry);
    });
  }

  /**
   * Appends several rows in `tx` with one lock, one id allocation and one insert (callers
   * that commit many changes at once, e.g. billing's grouped webhook transactions). Same
   * rules as record(): call it last in the transaction.
   */
  async function recordMany(entries: AuditEntry[], tx: DbOrTx): Promise<void> {
    if (entries.length === 0) return;
    await repo.lockChain(tx);
    let prevHash = (await repo.lastHash(tx)) ?? GENESIS_HASH;
    const ids = await repo.nextIds(tx, entries.length);
    const rows = entries.map((entry, i) => {
      const c = content(entry, ids[i]!);
      const row = { ...c, prevHash, hash: rowHash(prevHash, c) };
      prevHash = row.hash;
      return row;
    });
    await repo.insertMany(tx, rows);
  }

  async function list(filter: AuditFilter, limit: number): Promise<{ items: AuditLogView[]; nextCursor: number | null }> {
    const rows = await repo.list(db, filter, limit + 1);
    const page = rows.slice(0, limit);
    return {
      items: page.map(({ prevHash: _p, createdAt, ...r }) => ({ ...r, createdAt: createdAt.toISOString() })),
      nextCursor: rows.length > limit ? page[page.length - 1]!.id : null,
    };
  }

  /**
   * Checks every remaining row. The oldest remaining row's prev_hash is the anchor (older rows
   * may have been purged); when it is not the genesis, the newest `audit.purge` row must name
   * it as the first row kept, otherwise rows were removed from the start without a purge.
   */
  async function verify(opts: { batch?: number; onProgress?: (checked: number) => void } = {}): Promise<AuditVerifyResult> {
    const batch = opts.batch ?? 2000;
    let prev: string | null = null;
    let first: AuditLogRow | null = null;
    let lastId: number | null = null;
    let checked = 0;
    let lastPurgeKeptId: number | null = null;
    let afterId = 0;
    const fail = (id: number, reason: string): AuditVerifyResult => ({
      ok: false,
      checked,
      firstId: first?.id ?? null,
      lastId,
      headHash: prev,
      broken: { id, reason },
    });
    for (;;) {
      const rows = await repo.batchAfter(db, afterId, batch);
      if (rows.length === 0) break;
      for (const row of rows) {
        if (!first) first = row;
        else if (row.prevHash !== prev) return fail(row.id, 'prev_hash does not match the previous row (a row was removed or altered before it)');
        if (rowHash(row.prevHash, row) !== row.hash) return fail(row.id, 'content does not match its hash (the row was altered)');
        if (row.action === 'audit.purge') {
          const kept = (row.metadata as { firstKeptId?: unknown }).firstKeptId;
          lastPurgeKeptId = typeof kept === 'number' ? kept : null;
        }
        prev = row.hash;
        lastId = row.id;
        checked++;
      }
      afterId = rows[rows.length - 1]!.id;
      opts.onProgress?.(checked);
    }
    if (first && first.prevHash !== GENESIS_HASH && lastPurgeKeptId !== first.id) {
      return fail(first.id, 'rows before this one were removed without a recorded purge');
    }
    return { ok: true, checked, firstId: first?.id ?? null, lastId, headHash: prev };
  }

  /** Deletes rows created before `before` and records the purge in the chain. */
  async function purge(before: Date): Promise<{ deleted: number }> {
    return db.transaction(async (tx) => {
      await repo.lockChain(tx);
      const cutId = await repo.lastIdBefore(tx, before);
      if (cutId === null) return { deleted: 0 };
      const head = (await repo.lastHash(tx)) ?? GENESIS_HASH;
      const deleted = await repo.deleteUpTo(tx, cutId);
      // The purge row anchors what remains: verification starts at firstKeptId.
      const remainingFirst = await repo.firstId(tx);
      const ownId = remainingFirst === null ? await repo.nextId(tx) : undefined;
      const firstKeptId = remainingFirst ?? ownId!;
      await appendLocked(
        tx,
        { action: 'audit.purge', actor: null, metadata: { deleted, before: before.toISOString(), lastDeletedId: cutId, firstKeptId } },
        { id: ownId, prevHash: head },
      );
      return { deleted };
    });
  }

  return { record, recordMany, list, verify, purge };
}

export type AuditService = ReturnType<typeof createAuditService>;
