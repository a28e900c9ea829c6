// Instance security settings (spec "In-app (admin)"): extra egress allowlist entries, workflow
// code-node mode and the instance name. Readers get a cached snapshot at most 15 s old; a
// change is announced on the event bus so every replica drops its cache at once.
import type { Config } from '../../config.js';
import type { AuditPort } from '../../lib/audit-port.js';
import type { Principal } from '../../http/principal.js';
import type { Clock } from '../../lib/clock.js';
import type { Db } from '../../lib/db/database.js';
import { splitAllowlist, parseAllowlistEntry } from '../../lib/egress/index.js';
import { ValidationError } from '../../lib/errors.js';
import { CHANNELS, type EventBus } from '../../lib/events/event-bus.js';
import type { Logger } from '../../lib/logger.js';
import { resolveCodeNodePolicy, type CodeNodePolicy } from './code-node-policy.js';
import type { InstanceSettingsPatch, InstanceSettingsRow, SettingsRepo } from './settings.repo.js';
import type { CodeNodeMode } from './settings.tables.js';

export const SETTINGS_CACHE_TTL_MS = 15_000;
export const SETTINGS_CHANGED_EVENT = 'settings.security.updated';
export const MAX_ALLOWLIST_ENTRIES = 200;

export interface SecuritySettings {
  instanceName: string | null;
  /** Admin-set entries only; the environment's are in `effective`. */
  egressHostAllowlist: string[];
  workflowCodeNodeMode: CodeNodeMode;
  version: number;
  updatedAt: string | null;
  updatedBy: string | null;
}

export interface SecuritySettingsView extends SecuritySettings {
  effective: {
    envEgressHostAllowlist: string[];
    egressHostAllowlist: string[];
    workflowCodeNodes: CodeNodePolicy;
  };
}

export interface SecuritySettingsPatch {
  instanceName?: string | null;
  egressHostAllowlist?: string[];
  workflowCodeNodeMode?: CodeNodeMode;
}

const DEFAULTS: SecuritySettings = {
  instanceName: null,
  egressHostAllowlist: [],
  workflowCodeNodeMode: 'inherit',
  version: 0,
  updatedAt: null,
  updatedBy: null,
};

function fromRow(row: InstanceSettingsRow | null): SecuritySettings {
  if (!row) return DEFAULTS;
  return {
    instanceName: row.instanceName,
    egressHostAllowlist: row.egressHostAllowlist,
    workflowCodeNodeMode: row.workflowCodeNodeMode,
    version: row.version,
    updatedAt: row.updatedAt.toISOString(),
    updatedBy: row.updatedBy,
  };
}

function normalizeAllowlist(entries: string[]): string[] {
  if (entries.length > MAX_ALLOWLIST_ENTRIES) {
    throw new ValidationError(`body.egressHostAllowlist: at most ${MAX_ALLOWLIST_ENTRIES} entries`);
  }
  const out: string[] = [];
  entries.forEach((raw, i) => {
    const parsed = parseAllowlistEntry(raw);
    if ('error' in parsed) {
      const field = `body.egressHostAllowlist.${i}`;
      throw new ValidationError(`${field}: "${raw}" ${parsed.error}`, { fields: [{ field, message: parsed.error }] });
    }
    if (!out.includes(parsed.entry)) out.push(parsed.entry);
  });
  return out;
}

function normalizeName(name: string | null): string | null {
  if (name === null) return null;
  const trimmed = name.trim();
  // eslint-disable-next-line no-control-regex
  if (trimmed === '' || /[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw new ValidationError('body.instanceName: must be non-empty text without control characters', {
      fields: [{ field: 'body.instanceName', message: 'invalid instance name' }],
    });
  }
  return trimmed;
}

export function createSettingsService(deps: {
  db: Db;
  settingsRepo: SettingsRepo;
  config: Pick<Config, 'HIVE_EGRESS_FETCH_HOST_ALLOWLIST' | 'HIVE_WORKFLOW_DISABLE_CODE_NODE' | 'isProduction'>;
  audit: AuditPort;
  events: EventBus;
  clock: Clock;
  logger?: Pick<Logger, 'warn'>;
  cacheTtlMs?: number;
}) {
  const { db, settingsRepo: repo, config, audit, events, clock } = deps;
  const ttl = deps.cacheTtlMs ?? SETTINGS_CACHE_TTL_MS;
  const envAllowlist = splitAllowlist(config.HIVE_EGRESS_FETCH_HOST_ALLOWLIST);
  let cached: { value: SecuritySettings; loadedAt: number } | null = null;
  let loading: Promise<SecuritySettings> | null = null;
  let generation = 0;

  const policy = (s: SecuritySettings) =>
    resolveCodeNodePolicy({ envDisable: config.HIVE_WORKFLOW_DISABLE_CODE_NODE, isProduction: config.isProduction, mode: s.workflowCodeNodeMode });

  function view(s: SecuritySettings): SecuritySettingsView {
    return {
      ...s,
      effective: {
        envEgressHostAllowlist: envAllowlist,
        egressHostAllowlist: [...new Set([...envAllowlist, ...s.egressHostAllowlist])],
        workflowCodeNodes: policy(s),
      },
    };
  }

  async function load(): Promise<SecuritySettings> {
    const gen = generation;
    const value = fromRow(await repo.get());
    // Keep the same array while the list is unchanged: the egress guard compiles per identity.
    const previous = cached?.value;
    if (previous && JSON.stringify(previous.egressHostAllowlist) === JSON.stringify(value.egressHostAllowlist)) {
      value.egressHostAllowlist = previous.egressHostAllowlist;
    }
    // An invalidation that arrived during the read makes this answer stale: do not cache it.
    if (gen === generation) cached = { value, loadedAt: clock.now().getTime() };
    return value;
  }

  /** The snapshot readers use: at most `ttl` old; on a database error, the last one is kept. */
  async function snapshot(): Promise<SecuritySettings> {
    if (cached && clock.now().getTime() - cached.loadedAt < ttl) return cached.value;
    loading ??= load().finally(() => (loading = null));
    try {
      return await loading;
    } catch (err) {
      if (!cached) throw err;
      deps.logger?.warn({ err }, 'settings reload failed; serving the previous values');
      return cached.value;
    }
  }

  function invalidate() {
    generation++;
    cached = null;
  }

  return {
    /** Admin view: read fresh from the database. */
    async getSecurity(): Promise<SecuritySettingsView> {
      return view(fromRow(await repo.get()));
    },

    async updateSecurity(actor: { id: string; requestId?: string; principal?: Principal; ip?: string }, patch: SecuritySettingsPatch): Promise<SecuritySettingsView> {
      const next: InstanceSettingsPatch = {};
      if (patch.instanceName !== undefined) next.instanceName = normalizeName(patch.instanceName);
      if (patch.egressHostAllowlist !== undefined) next.egressHostAllowlist = normalizeAllowlist(patch.egressHostAllowlist);
      if (patch.workflowCodeNodeMode !== undefined) next.workflowCodeNodeMode = patch.workflowCodeNodeMode;
      if (Object.keys(next).length === 0) throw new ValidationError('body: give at least one setting to change');

      const saved = await db.transaction(async (tx) => {
        const before = fromRow(await repo.get(tx, { forUpdate: true }));
        const row = await repo.save(next, { updatedBy: actor.id, now: clock.now() }, tx);
        const after = fromRow(row);
        const changes: Record<string, { from: unknown; to: unknown }> = {};
        for (const key of Object.keys(next) as (keyof InstanceSettingsPatch)[]) {
          if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) changes[key] = { from: before[key], to: after[key] };
        }
        await audit.record(
          {
            actor: actor.id,
            principal: actor.principal,
            ip: actor.ip,
            action: SETTINGS_CHANGED_EVENT,
            targetType: 'settings',
            targetId: 'security',
            requestId: actor.requestId,
            details: { changes, version: after.version },
          },
          tx,
        );
        return after;
      });
      invalidate();
      // After commit (rule 6). A lost message only delays other replicas to the cache TTL.
      await events
        .publish(CHANNELS.system, SETTINGS_CHANGED_EVENT, { version: saved.version }, { correlationId: actor.requestId })
        .catch((err) => deps.logger?.warn({ err }, 'could not announce the settings change; replicas pick it up within 15 s'));
      return view(saved);
    },

    /** Admin-set egress allowlist entries (the guard merges HIVE_EGRESS_FETCH_HOST_ALLOWLIST). */
    async egressAllowlist(): Promise<readonly string[]> {
      return (await snapshot()).egressHostAllowlist;
    },

    async workflowCodeNodes(): Promise<CodeNodePolicy> {
      return policy(await snapshot());
    },

    async instanceName(): Promise<string | null> {
      return (await snapshot()).instanceName;
    },

    /** Drops the cache when any replica announces a change. Returns the unsubscribe function. */
    async listenForChanges(): Promise<() => Promise<void>> {
      return events.subscribe(CHANNELS.system, (event) => {
        if (event.type === SETTINGS_CHANGED_EVENT) invalidate();
      });
    },
  };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
