// LLM providers: admin-managed, instance-wide. API keys are encrypted (SecretBox) and leave this
// service only through resolve(), which the gateway calls to forward an agent's request.
import type { AuditPort } from '../../lib/audit-port.js';
import type { Clock } from '../../lib/clock.js';
import type { SecretBox } from '../../lib/crypto/secret-box.js';
import type { Db } from '../../lib/db/database.js';
import type { Principal } from '../../http/principal.js';
import { AppError, ConflictError, NotFoundError, ServiceUnavailableError } from '../../lib/errors.js';
import { isUniqueViolation } from '../secrets/secrets.repo.js';
import type { ProviderClient, ProviderType, UpstreamTarget } from './provider-client.js';
import type { ProviderRow, ProvidersRepo } from './providers.repo.js';
import type { ProviderModelPrice } from './providers.tables.js';

export const MAX_PROVIDERS = 100;
/** How long the gateway trusts a resolved provider before reading it again (other replicas' edits). */
const RESOLVE_TTL_MS = 5_000;

export interface ProviderView {
  id: string;
  name: string;
  type: ProviderType;
  baseUrl: string;
  hasApiKey: boolean;
  isDefault: boolean;
  models: ProviderModelPrice[];
  createdAt: string;
  updatedAt: string;
}

export interface ResolvedProvider {
  id: string;
  type: ProviderType;
  target: UpstreamTarget;
  models: ProviderModelPrice[];
}

export interface ProviderActor {
  id: string;
  principal?: Principal;
  requestId?: string;
  ip?: string;
}

export interface ProviderInput {
  name: string;
  type: ProviderType;
  baseUrl: string;
  apiKey?: string | null;
  isDefault?: boolean;
  models?: ProviderModelPrice[];
}

function view(r: ProviderRow): ProviderView {
  return {
    id: r.id,
    name: r.name,
    type: r.type as ProviderType,
    baseUrl: r.baseUrl,
    hasApiKey: r.apiKeyEnc !== null,
    isDefault: r.isDefault,
    models: r.models,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

const notFound = () => new NotFoundError('LLM provider not found', 'LLM_PROVIDER_NOT_FOUND');
const nameTaken = (name: string) => new ConflictError(`An LLM provider named ${name} already exists`, 'LLM_PROVIDER_EXISTS');

/** Cost of a call in micro-units: prices are per 1M tokens, so tokens × price is already in micros. */
export function costMicros(models: readonly ProviderModelPrice[], model: string, tokensIn: number, tokensOut: number): number {
  const p = models.find((m) => m.id === model);
  if (!p) return 0;
  return Math.round(tokensIn * p.inputPerMillion + tokensOut * p.outputPerMillion);
}

export function createProvidersService(deps: {
  db: Db;
  repo: ProvidersRepo;
  secretBox: Pick<SecretBox, 'encrypt' | 'decrypt'>;
  client: ProviderClient;
  /** Static URL checks (egress guard) when a base URL is saved. */
  checkUrl: (url: string) => Promise<unknown>;
  audit: AuditPort;
  clock: Clock;
}) {
  const { db, repo, secretBox, client, audit, clock } = deps;
  const cache = new Map<string, { at: number; value: ResolvedProvider | null }>();

  async function record(actor: ProviderActor, action: string, row: ProviderRow, details: Record<string, unknown>, tx: Parameters<AuditPort['record']>[1]) {
    await audit.record(
      { actor: actor.id, principal: actor.principal, ip: actor.ip, requestId: actor.requestId, action, targetType: 'llm_provider', targetId: row.id, details: { name: row.name, type: row.type, ...details } },
      tx,
    );
  }

  function toResolved(r: ProviderRow): ResolvedProvider {
    const type = r.type as ProviderType;
    return { id: r.id, type, models: r.models, target: { type, baseUrl: r.baseUrl, apiKey: r.apiKeyEnc ? secretBox.decrypt(r.apiKeyEnc) : null } };
  }

  async function targetOf(id: string): Promise<UpstreamTarget> {
    const row = await repo.findById(id);
    if (!row) throw notFound();
    return toResolved(row).target;
  }

  return {
    async list(): Promise<ProviderView[]> {
      return (await repo.list()).map(view);
    },

    async get(id: string): Promise<ProviderView> {
      const row = await repo.findById(id);
      if (!row) throw notFound();
      return view(row);
    },

    async create(actor: ProviderActor, input: ProviderInput): Promise<ProviderView> {
      await deps.checkUrl(input.baseUrl);
      const apiKeyEnc = input.apiKey ? secretBox.encrypt(input.apiKey) : null;
      try {
        return await db.transaction(async (tx) => {
          if ((await repo.count(tx)) >= MAX_PROVIDERS) throw new ConflictError(`At most ${MAX_PROVIDERS} LLM providers`, 'LLM_PROVIDER_LIMIT_REACHED');
          // The first provider becomes the default, so a fresh install works with one POST.
          const isDefault = input.isDefault ?? (await repo.count(tx)) === 0;
          if (isDefault) await repo.clearDefault(tx);
          const now = clock.now();
          const row = await repo.insert(
            { name: input.name, type: input.type, baseUrl: input.baseUrl, apiKeyEnc, isDefault, models: input.models ?? [], createdAt: now, updatedAt: now },
            tx,
          );
          await record(actor, 'llm_provider.created', row, { isDefault }, tx);
          cache.clear();
          return view(row);
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw nameTaken(input.name);
        throw err;
      }
    },

    async update(actor: ProviderActor, id: string, patch: Partial<ProviderInput>): Promise<ProviderView> {
      if (patch.baseUrl !== undefined) await deps.checkUrl(patch.baseUrl);
      const apiKeyEnc = patch.apiKey === undefined ? undefined : patch.apiKey ? secretBox.encrypt(patch.apiKey) : null;
      try {
        return await db.transaction(async (tx) => {
          if (patch.isDefault) await repo.clearDefault(tx);
          const row = await repo.update(
            id,
            {
              ...(patch.name !== undefined ? { name: patch.name } : {}),
              ...(patch.type !== undefined ? { type: patch.type } : {}),
              ...(patch.baseUrl !== undefined ? { baseUrl: patch.baseUrl } : {}),
              ...(apiKeyEnc !== undefined ? { apiKeyEnc } : {}),
              ...(patch.isDefault !== undefined ? { isDefault: patch.isDefault } : {}),
              ...(patch.models !== undefined ? { models: patch.models } : {}),
              updatedAt: clock.now(),
            },
            tx,
          );
          if (!row) throw notFound();
          await record(actor, 'llm_provider.updated', row, { fields: Object.keys(patch).sort() }, tx);
          cache.clear();
          return view(row);
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw nameTaken(patch.name ?? '');
        throw err;
      }
    },

    async remove(actor: ProviderActor, id: string): Promise<void> {
      await db.transaction(async (tx) => {
        const row = await repo.delete(id, tx);
        if (!row) throw notFound();
        await record(actor, 'llm_provider.deleted', row, {}, tx);
      });
      cache.clear();
    },

    /** Lists the provider's models (checks the URL and the key in one call). */
    async models(id: string): Promise<string[]> {
      return client.listModels(await targetOf(id));
    },

    async test(id: string): Promise<{ ok: boolean; latencyMs: number; models?: number; error?: { code: string; message: string } }> {
      const target = await targetOf(id);
      const started = performance.now();
      try {
        const models = await client.listModels(target);
        return { ok: true, latencyMs: Math.round(performance.now() - started), models: models.length };
      } catch (err) {
        const e = err instanceof AppError ? { code: err.code, message: err.message } : { code: 'LLM_UPSTREAM_ERROR', message: 'the provider could not be reached' };
        return { ok: false, latencyMs: Math.round(performance.now() - started), error: e };
      }
    },

    /** The provider an agent's call goes to: its own, or the default. Cached for a few seconds. */
    async resolve(providerId: string | undefined): Promise<ResolvedProvider> {
      const key = providerId ?? '(default)';
      const now = Date.now();
      let hit = cache.get(key);
      if (!hit || now - hit.at > RESOLVE_TTL_MS) {
        const row = providerId ? await repo.findById(providerId) : await repo.findDefault();
        hit = { at: now, value: row ? toResolved(row) : null };
        cache.set(key, hit);
      }
      if (!hit.value) {
        throw new ServiceUnavailableError(
          providerId ? 'The LLM provider configured for this agent no longer exists' : 'No default LLM provider is configured',
          'LLM_PROVIDER_NOT_CONFIGURED',
        );
      }
      return hit.value;
    },
  };
}

export type ProvidersService = ReturnType<typeof createProvidersService>;
