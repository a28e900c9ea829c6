// Application secrets: stored encrypted (SecretBox), owner-scoped, optionally scoped to one
// agent, and write-only over the API. Values leave this service only through resolveForAgent,
// which the runtimes module calls when it starts an agent.
import type { Clock } from '../../lib/clock.js';
import type { AuditPort } from '../../lib/audit-port.js';
import type { Principal } from '../../http/principal.js';
import type { SecretBox } from '../../lib/crypto/secret-box.js';
import type { Db, DbOrTx } from '../../lib/db/database.js';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { isUniqueViolation, type SecretMetadataRow, type SecretsRepo } from './secrets.repo.js';

export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
export const SECRET_VALUE_MAX_BYTES = 65_536;
export const SECRET_DESCRIPTION_MAX = 1000;
export const MAX_SECRETS_PER_OWNER = 1000;
export const RESOLVE_MAX_NAMES = 200;

export interface SecretMetadata {
  id: string;
  name: string;
  description: string | null;
  agentId: string | null;
  createdAt: string;
  updatedAt: string;
  valueUpdatedAt: string;
}

/** An agent's configuration names secrets its owner does not have. */
export class MissingSecretsError extends AppError {
  constructor(readonly missing: string[]) {
    super(400, 'SECRETS_MISSING', `Unknown secret(s): ${missing.join(', ')}`, { missing });
  }
}

export interface Actor {
  /** principalId() of the caller: owner of what they create. */
  id: string;
  requestId?: string;
  principal?: Principal;
  ip?: string;
}

function toMetadata(row: SecretMetadataRow): SecretMetadata {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    agentId: row.agentId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    valueUpdatedAt: row.valueUpdatedAt.toISOString(),
  };
}

function checkValue(value: string): void {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > SECRET_VALUE_MAX_BYTES) {
    throw new ValidationError(`body.value: must be at most ${SECRET_VALUE_MAX_BYTES} bytes (got ${bytes})`, {
      fields: [{ field: 'body.value', message: `at most ${SECRET_VALUE_MAX_BYTES} bytes` }],
    });
  }
}

function checkName(name: string): void {
  if (!SECRET_NAME.test(name)) {
    throw new ValidationError('body.name: letters, digits and _, not starting with a digit, at most 128', {
      fields: [{ field: 'body.name', message: 'invalid secret name' }],
    });
  }
}

const notFound = () => new NotFoundError('Secret not found', 'SECRET_NOT_FOUND');
const exists = (name: string) => new ConflictError(`A secret named ${name} already exists in this scope`, 'SECRET_EXISTS');

export function createSecretsService(deps: {
  db: Db;
  secretsRepo: SecretsRepo;
  secretBox: Pick<SecretBox, 'encrypt' | 'decrypt'>;
  audit: AuditPort;
  clock: Clock;
}) {
  const { db, secretsRepo: repo, secretBox, audit, clock } = deps;

  async function record(actor: Actor, action: string, row: SecretMetadataRow, details: Record<string, unknown>, tx: DbOrTx) {
    await audit.record(
      {
        actor: actor.id,
        principal: actor.principal,
        ip: actor.ip,
        action,
        targetType: 'secret',
        targetId: row.id,
        requestId: actor.requestId,
        details: { name: row.name, agentId: row.agentId, ...details },
      },
      tx,
    );
  }

  return {
    async create(actor: Actor, input: { name: string; value: string; description?: string | null; agentId?: string | null }): Promise<SecretMetadata> {
      checkName(input.name);
      checkValue(input.value);
      const valueEnc = secretBox.encrypt(input.value);
      return db.transaction(async (tx) => {
        if ((await repo.countByOwner(actor.id, tx)) >= MAX_SECRETS_PER_OWNER) {
          throw new ConflictError(`At most ${MAX_SECRETS_PER_OWNER} secrets per owner`, 'SECRET_LIMIT_REACHED');
        }
        const now = clock.now();
        const row = await repo.insert(
          {
            ownerId: actor.id,
            agentId: input.agentId ?? null,
            name: input.name,
            description: input.description ?? null,
            valueEnc,
            createdAt: now,
            updatedAt: now,
            valueUpdatedAt: now,
          },
          tx,
        );
        if (!row) throw exists(input.name);
        await record(actor, 'secret.created', row, {}, tx);
        return toMetadata(row);
      });
    },

    async get(actor: Actor, id: string): Promise<SecretMetadata> {
      const row = await repo.findById(actor.id, id);
      if (!row) throw notFound();
      return toMetadata(row);
    },

    async list(actor: Actor, opts: { agentId?: string; limit: number; cursor?: string }): Promise<{ items: SecretMetadata[]; nextCursor: string | null }> {
      let after: { name: string; id: string } | undefined;
      if (opts.cursor) {
        try {
          const [name, id] = JSON.parse(Buffer.from(opts.cursor, 'base64url').toString('utf8')) as [unknown, unknown];
          if (typeof name !== 'string' || typeof id !== 'string' || !/^[0-9a-f-]{36}$/.test(id)) throw new Error('shape');
          after = { name, id };
        } catch {
          throw new ValidationError('query.cursor: not a cursor returned by this endpoint', { fields: [{ field: 'query.cursor', message: 'invalid cursor' }] });
        }
      }
      const rows = await repo.list(actor.id, { agentId: opts.agentId, limit: opts.limit + 1, after });
      const page = rows.slice(0, opts.limit);
      const last = page[page.length - 1];
      const nextCursor = rows.length > opts.limit && last ? Buffer.from(JSON.stringify([last.name, last.id])).toString('base64url') : null;
      return { items: page.map(toMetadata), nextCursor };
    },

    async update(actor: Actor, id: string, patch: { name?: string; value?: string; description?: string | null }): Promise<SecretMetadata> {
      if (patch.name !== undefined) checkName(patch.name);
      if (patch.value !== undefined) checkValue(patch.value);
      const valueEnc = patch.value !== undefined ? secretBox.encrypt(patch.value) : undefined;
      try {
        return await db.transaction(async (tx) => {
          const row = await repo.update(
            actor.id,
            id,
            {
              ...(patch.name !== undefined ? { name: patch.name } : {}),
              ...(patch.description !== undefined ? { description: patch.description } : {}),
              ...(valueEnc !== undefined ? { valueEnc } : {}),
            },
            clock.now(),
            tx,
          );
          if (!row) throw notFound();
          await record(actor, 'secret.updated', row, { fields: Object.keys(patch).sort() }, tx);
          return toMetadata(row);
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw exists(patch.name ?? '');
        throw err;
      }
    },

    async remove(actor: Actor, id: string): Promise<void> {
      await db.transaction(async (tx) => {
        const row = await repo.delete(actor.id, id, tx);
        if (!row) throw notFound();
        await record(actor, 'secret.deleted', row, {}, tx);
      });
    },

    /**
     * Plaintext values for an agent about to start: an agent-scoped secret wins over the
     * owner-wide one of the same name. Throws MissingSecretsError naming every unknown name.
     */
    async resolveForAgent(ownerId: string, agentId: string, names: readonly string[]): Promise<Record<string, string>> {
      const wanted = [...new Set(names)];
      if (wanted.length > RESOLVE_MAX_NAMES) throw new ValidationError(`at most ${RESOLVE_MAX_NAMES} secrets per agent`);
      const invalid = wanted.filter((n) => !SECRET_NAME.test(n));
      if (invalid.length > 0) throw new MissingSecretsError(invalid);
      const rows = await repo.findValuesForAgent(ownerId, agentId, wanted);
      const chosen = new Map<string, string>();
      for (const row of rows) {
        if (row.agentId !== null || !chosen.has(row.name)) chosen.set(row.name, row.valueEnc);
      }
      const missing = wanted.filter((n) => !chosen.has(n));
      if (missing.length > 0) throw new MissingSecretsError(missing);
      const out: Record<string, string> = {};
      for (const [name, enc] of chosen) out[name] = secretBox.decrypt(enc);
      return out;
    },

    /** Called by the agents module when an agent is deleted (there is no foreign key). */
    async deleteForAgent(agentId: string, tx?: DbOrTx): Promise<number> {
      return repo.deleteByAgent(agentId, tx);
    },
  };
}

export type SecretsService = ReturnType<typeof createSecretsService>;
