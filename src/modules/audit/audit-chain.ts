// The hash chain of audit_logs. Pure functions, shared by the writer and `pilox audit verify`.
import { createHash } from 'node:crypto';

/** prev_hash of the very first row ever written. */
export const GENESIS_HASH = '0'.repeat(64);

/** The columns a row's hash covers (everything except the hash itself). */
export interface ChainedContent {
  id: number;
  createdAt: Date;
  action: string;
  actorType: string;
  actorId: string | null;
  actorEmail: string | null;
  targetType: string | null;
  targetId: string | null;
  outcome: string;
  ip: string | null;
  metadata: Record<string, unknown>;
}

/**
 * JSON with object keys sorted at every level, so the same value always serialises the same
 * way (jsonb reorders keys, so the stored metadata comes back in a different order).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

export function rowHash(prevHash: string, row: ChainedContent): string {
  const content = canonicalJson({
    id: row.id,
    createdAt: row.createdAt.toISOString(),
    action: row.action,
    actorType: row.actorType,
    actorId: row.actorId,
    actorEmail: row.actorEmail,
    targetType: row.targetType,
    targetId: row.targetId,
    outcome: row.outcome,
    ip: row.ip,
    metadata: row.metadata,
  });
  return createHash('sha256').update(prevHash).update('\n').update(content).digest('hex');
}

const MAX_METADATA_CHARS = 16_384;

/**
 * Makes metadata storable and hash-stable: plain JSON values only (what jsonb returns), no NUL
 * characters (jsonb refuses them), bounded size.
 */
export function sanitizeMetadata(metadata: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!metadata) return {};
  const json = JSON.stringify(metadata, (_k, v: unknown) => (typeof v === 'string' ? v.replaceAll('\u0000', '') : v));
  if (json === undefined) return {};
  if (json.length > MAX_METADATA_CHARS) return { truncated: true, size: json.length };
  const parsed = JSON.parse(json) as unknown;
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
}
