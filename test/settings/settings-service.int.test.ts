// SettingsService on the run's database: the 15 s cache bound when no invalidation message
// arrives, and the audit record written in the same transaction as the change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, AuditPort } from '../../src/lib/audit-port.js';
import type { Database } from '../../src/lib/db/database.js';
import { createEventBus } from '../../src/lib/events/event-bus.js';
import { createMemoryKv } from '../../src/lib/kv/memory-kv.js';
import { createSettingsRepo } from '../../src/modules/settings/settings.repo.js';
import { createSettingsService, SETTINGS_CACHE_TTL_MS } from '../../src/modules/settings/settings.service.js';
import { createTestDatabase } from '../helpers/stores.js';

let database: Database;
let now = Date.parse('2026-01-01T00:00:00Z');
const clock = { now: () => new Date(now) };
const entries: AuditEntry[] = [];
let failAudit = false;
const audit: AuditPort = {
  async record(entry, tx) {
    if (failAudit) throw new Error('audit store down');
    expect(tx).toBeDefined();
    entries.push(entry);
  },
};

/** Each replica on its own in-process bus: no message crosses between them. */
function replica() {
  return createSettingsService({
    db: database.db,
    settingsRepo: createSettingsRepo(database.db),
    config: { HIVE_EGRESS_FETCH_HOST_ALLOWLIST: 'env.example', HIVE_WORKFLOW_DISABLE_CODE_NODE: undefined, isProduction: true },
    audit,
    events: createEventBus({ kv: createMemoryKv(), producer: 'test' }),
    clock,
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

describe('SettingsService', () => {
  it('applies a change on a replica that missed the message once the cache is 15 s old', async () => {
    const writer = replica();
    const reader = replica();
    expect(await reader.egressAllowlist()).toEqual([]);
    expect(await reader.workflowCodeNodes()).toMatchObject({ enabled: false, source: 'default' });

    await writer.updateSecurity({ id: 'admin-1' }, { egressHostAllowlist: ['hooks.example'], workflowCodeNodeMode: 'allow' });
    expect(await writer.egressAllowlist()).toEqual(['hooks.example']); // the writer drops its own cache
    now += SETTINGS_CACHE_TTL_MS - 1;
    expect(await reader.egressAllowlist()).toEqual([]);
    now += 1;
    expect(await reader.egressAllowlist()).toEqual(['hooks.example']);
    expect(await reader.workflowCodeNodes()).toMatchObject({ enabled: true, source: 'setting' });
  });

  it('keeps handing out the same array while the list is unchanged', async () => {
    const r = replica();
    const first = await r.egressAllowlist();
    now += SETTINGS_CACHE_TTL_MS;
    expect(await r.egressAllowlist()).toBe(first);
  });

  it('audits what changed, from and to', async () => {
    entries.length = 0;
    await replica().updateSecurity({ id: 'admin-2', requestId: 'r-9' }, { instanceName: 'EU', egressHostAllowlist: ['hooks.example'] });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: 'admin-2',
      action: 'settings.security.updated',
      targetType: 'settings',
      targetId: 'security',
      requestId: 'r-9',
      details: { changes: { instanceName: { from: null, to: 'EU' } } }, // the unchanged list is not listed
    });
    expect(Object.keys((entries[0]!.details as { changes: object }).changes)).toEqual(['instanceName']);
  });

  it('changes nothing when the audit record cannot be written', async () => {
    const r = replica();
    const before = await r.getSecurity();
    failAudit = true;
    try {
      await expect(r.updateSecurity({ id: 'admin-3' }, { instanceName: 'unaudited' })).rejects.toThrow('audit store down');
    } finally {
      failAudit = false;
    }
    expect(await r.getSecurity()).toEqual(before);
  });
});
