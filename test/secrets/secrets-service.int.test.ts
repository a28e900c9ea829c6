// SecretsService against the run's database: audit in the same transaction, and values that
// cannot be decrypted surfacing as typed errors (never as plaintext).
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, AuditPort } from '../../src/lib/audit-port.js';
import { systemClock } from '../../src/lib/clock.js';
import { createSecretBox } from '../../src/lib/crypto/secret-box.js';
import type { Database } from '../../src/lib/db/database.js';
import { createSecretsRepo } from '../../src/modules/secrets/secrets.repo.js';
import { createSecretsService } from '../../src/modules/secrets/secrets.service.js';
import { createTestDatabase } from '../helpers/stores.js';

let database: Database;
const key = randomBytes(32).toString('hex');
const entries: AuditEntry[] = [];
let failAudit = false;
const audit: AuditPort = {
  async record(entry, tx) {
    if (failAudit) throw new Error('audit store down');
    expect(tx).toBeDefined(); // always inside the change's transaction
    entries.push(entry);
  },
};

const service = (k = key, previous: string[] = []) =>
  createSecretsService({
    db: database.db,
    secretsRepo: createSecretsRepo(database.db),
    secretBox: createSecretBox({ current: k, previous }),
    audit,
    clock: systemClock,
  });

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

const actor = { id: 'owner-1', requestId: 'req-1' };
const agentId = randomUUID();

describe('SecretsService', () => {
  it('audits create, update and delete without the value', async () => {
    const s = service();
    const created = await s.create(actor, { name: 'AUDITED', value: 'hunter2' });
    await s.update(actor, created.id, { value: 'hunter3' });
    await s.remove(actor, created.id);
    expect(entries.map((e) => e.action)).toEqual(['secret.created', 'secret.updated', 'secret.deleted']);
    expect(entries[1]).toMatchObject({ actor: 'owner-1', targetType: 'secret', targetId: created.id, requestId: 'req-1', details: { fields: ['value'] } });
    expect(JSON.stringify(entries)).not.toContain('hunter');
  });

  it('writes nothing when the audit record fails', async () => {
    failAudit = true;
    try {
      await expect(service().create(actor, { name: 'NOT_AUDITED', value: 'x' })).rejects.toThrow('audit store down');
    } finally {
      failAudit = false;
    }
    await expect(service().resolveForAgent('owner-1', agentId, ['NOT_AUDITED'])).rejects.toMatchObject({ code: 'SECRETS_MISSING' });
  });

  it('refuses values under an unknown key, tampered values and plaintext with typed errors', async () => {
    await service().create(actor, { name: 'UNDER_KEY_1', value: 'v' });
    const other = service(randomBytes(32).toString('hex'));
    await expect(other.resolveForAgent('owner-1', agentId, ['UNDER_KEY_1'])).rejects.toMatchObject({ code: 'SECRET_KEY_UNKNOWN', status: 500 });
    // The old key as a previous key makes it readable again (rotation window).
    const rotated = service(randomBytes(32).toString('hex'), [key]);
    expect(await rotated.resolveForAgent('owner-1', agentId, ['UNDER_KEY_1'])).toEqual({ UNDER_KEY_1: 'v' });

    await database.db.execute(sql`insert into secrets (owner_id, name, value_enc) values ('owner-1', 'PLAINTEXT', 'not-encrypted')`);
    await expect(service().resolveForAgent('owner-1', agentId, ['PLAINTEXT'])).rejects.toMatchObject({ code: 'SECRET_CIPHERTEXT_INVALID' });

    const good = createSecretBox({ current: key }).encrypt('original');
    const parts = good.split('.');
    parts[4] = Buffer.from('forged').toString('base64url');
    await database.db.execute(sql`insert into secrets (owner_id, name, value_enc) values ('owner-1', 'TAMPERED', ${parts.join('.')})`);
    await expect(service().resolveForAgent('owner-1', agentId, ['TAMPERED'])).rejects.toMatchObject({ code: 'SECRET_DECRYPT_FAILED' });
  });

  it('refuses names that cannot exist and too many names', async () => {
    await expect(service().resolveForAgent('owner-1', agentId, ["X' OR 1=1 --"])).rejects.toMatchObject({ code: 'SECRETS_MISSING' });
    const many = Array.from({ length: 201 }, (_, i) => `N${i}`);
    await expect(service().resolveForAgent('owner-1', agentId, many)).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(await service().resolveForAgent('owner-1', agentId, [])).toEqual({});
  });
});
