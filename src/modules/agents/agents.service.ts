// The agent registry: who may see and run which agent, CRUD, package upload, import of remote
// agents, and the A2A AgentDirectory port. Running agents is agents.lifecycle.ts's job.
import { rmSync } from 'node:fs';
import type { Principal } from '../../http/principal.js';
import { hasRole, principalId } from '../../http/principal.js';
import type { AuditPort } from '../../lib/audit-port.js';
import type { Clock } from '../../lib/clock.js';
import { AppError, ConflictError, ForbiddenError, NotFoundError, ServiceUnavailableError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { AgentDirectory, DirectoryAgent, EgressFetch } from '../a2a/a2a.ports.js';
import type { RuntimeLimits, LogLine, InstanceStats } from '../../runtime/runtime.js';
import { readLogs } from '../../runtime/log-files.js';
import { agentPaths, type AgentLifecycle } from './agents.lifecycle.js';
import { extractPackage } from './agents.package.js';
import { isUniqueViolation, type AgentsRepo } from './agents.repo.js';
import type { AgentRow } from './agents.tables.js';
import type { ManagedConfig } from './managed-config.js';

export const DEFAULT_LIMITS: RuntimeLimits = { memoryMb: 256, cpuShares: 1024, pids: 128 };
export const MAX_AGENTS_PER_OWNER = 500;

export interface AgentInput {
  slug: string;
  name: string;
  description?: string;
  kind: 'managed' | 'package' | 'image';
  visibility?: AgentRow['visibility'];
  runtime?: AgentRow['runtime'];
  limits?: Partial<RuntimeLimits>;
  env?: Record<string, string>;
  secretRefs?: string[];
  restartPolicy?: AgentRow['restartPolicy'];
  managed?: ManagedConfig;
  image?: string;
}

export type AgentPatchInput = Partial<Omit<AgentInput, 'kind' | 'slug'>>;

export interface AgentView {
  id: string;
  slug: string;
  name: string;
  description: string;
  ownerId: string;
  kind: AgentRow['kind'];
  visibility: AgentRow['visibility'];
  runtime: AgentRow['runtime'];
  limits: RuntimeLimits;
  env: Record<string, string>;
  secretRefs: string[];
  restartPolicy: AgentRow['restartPolicy'];
  managed: ManagedConfig | null;
  image: string | null;
  package: { sha256: string; bytes: number; entry: string } | null;
  cardUrl: string | null;
  status: AgentRow['status'];
  desiredState: AgentRow['desiredState'];
  lastExitCode: number | null;
  lastExitReason: string | null;
  restartCount: number;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  stoppedAt: string | null;
}

export function toView(row: AgentRow, p: Principal): AgentView {
  const mine = canManage(p, row);
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    ownerId: row.ownerId,
    kind: row.kind,
    visibility: row.visibility,
    runtime: row.runtime,
    limits: row.limits,
    // Plain env may hold configuration the owner did not mean to publish: only managers see it.
    env: mine ? row.env : {},
    secretRefs: mine ? row.secretRefs : [],
    restartPolicy: row.restartPolicy,
    // Same for a managed agent's instructions and tool servers (URLs often carry keys): others
    // see the model and skills, which its A2A card publishes anyway.
    managed: row.managed ? (mine ? row.managed : { ...row.managed, systemPrompt: '', tools: [] }) : null,
    image: row.image,
    package: row.packageSha256 ? { sha256: row.packageSha256, bytes: row.packageBytes ?? 0, entry: row.packageEntry ?? '' } : null,
    cardUrl: row.cardUrl,
    status: row.status,
    desiredState: row.desiredState,
    lastExitCode: row.lastExitCode,
    lastExitReason: row.lastExitReason,
    restartCount: row.restartCount,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    stoppedAt: row.stoppedAt?.toISOString() ?? null,
  };
}

/** private → owner and admins; instance → any signed-in principal; public → everyone. */
export function canSee(p: Principal, row: Pick<AgentRow, 'ownerId' | 'visibility'>): boolean {
  if (row.visibility === 'public') return true;
  if (p.kind === 'anonymous') return false;
  if (row.visibility === 'instance') return true;
  if (p.kind === 'federation') return false;
  return hasRole(p, 'admin') || row.ownerId === principalId(p);
}

export function canManage(p: Principal, row: Pick<AgentRow, 'ownerId'>): boolean {
  if (p.kind === 'federation' || p.kind === 'anonymous') return false;
  return hasRole(p, 'admin') || (hasRole(p, 'operator') && row.ownerId === principalId(p));
}

const notFound = () => new NotFoundError('Agent not found', 'AGENT_NOT_FOUND');

/**
 * `process` runs the agent without isolation, as the Pilox process user: choosing it for an
 * agent would hand its owner the instance's secrets (and root when the sandbox is in use).
 * Only admins may pick it; the instance default (PILOX_RUNTIME_DEFAULT) is the admin's choice.
 */
function checkRuntimeChoice(p: Principal, runtime: AgentRow['runtime'] | undefined) {
  if (runtime === 'process' && !hasRole(p, 'admin')) {
    throw new ForbiddenError('Only admins may run an agent without isolation (runtime process)', 'AGENT_RUNTIME_FORBIDDEN');
  }
}

export function createAgentsService(deps: {
  repo: AgentsRepo;
  lifecycle: AgentLifecycle;
  audit: AuditPort;
  clock: Clock;
  logger: Logger;
  dataDir: string;
  egressFetch: EgressFetch;
  secrets: { deleteForAgent(agentId: string): Promise<unknown> };
}) {
  const { repo, lifecycle, clock } = deps;

  async function visible(p: Principal, id: string): Promise<AgentRow> {
    const row = await repo.findById(id);
    if (!row || !canSee(p, row)) throw notFound();
    return row;
  }

  async function managed(p: Principal, id: string): Promise<AgentRow> {
    const row = await visible(p, id);
    if (!canManage(p, row)) throw new ForbiddenError('Only the owner or an admin can change this agent', 'AGENT_FORBIDDEN');
    return row;
  }

  async function audit(p: Principal, action: string, row: AgentRow, details: Record<string, unknown> = {}, requestId?: string) {
    await deps.audit
      .record({ actor: principalId(p), principal: p, action, targetType: 'agent', targetId: row.id, requestId, details: { slug: row.slug, ...details } })
      .catch((err) => deps.logger.error({ err }, 'agent audit failed'));
  }

  function checkKind(input: { kind: AgentRow['kind']; managed?: ManagedConfig | null; image?: string | null; runtime?: AgentRow['runtime'] }) {
    if (input.kind === 'managed' && !input.managed) throw new AppError(400, 'VALIDATION_ERROR', 'body.managed: required for a managed agent');
    if (input.kind === 'image' && !input.image) throw new AppError(400, 'VALIDATION_ERROR', 'body.image: required for an image agent');
    if (input.kind === 'image' && input.runtime && input.runtime !== 'docker') {
      throw new AppError(400, 'VALIDATION_ERROR', 'body.runtime: image agents run on the docker runtime only');
    }
  }

  async function insert(p: Principal, values: Parameters<AgentsRepo['insert']>[0]): Promise<AgentRow> {
    try {
      const row = await repo.insert(values);
      if (!row) throw new ConflictError(`An agent with slug ${values.slug} already exists`, 'AGENT_SLUG_TAKEN');
      await audit(p, 'agent.created', row, { kind: row.kind });
      return row;
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`An agent with slug ${values.slug} already exists`, 'AGENT_SLUG_TAKEN');
      throw err;
    }
  }

  const directory: AgentDirectory = {
    async resolveForCall(slug, principal) {
      const row = await repo.findBySlug(slug);
      if (!row || !canSee(principal, row)) throw new NotFoundError('Agent not found', 'AGENT_NOT_FOUND');
      const agent = toDirectoryAgent(row);
      if (row.kind === 'remote') return { agent, endpoint: { kind: 'remote', url: row.cardUrl! } };
      if (row.status !== 'ready' || !row.instance) throw new ServiceUnavailableError(`Agent ${slug} is not running`, 'AGENT_NOT_RUNNING');
      const driver = lifecycle.driverForRef(row.instance);
      if (!driver) throw new ServiceUnavailableError(`Agent ${slug} is not running`, 'AGENT_NOT_RUNNING');
      return { agent, endpoint: driver.endpoint(row.instance) };
    },
    async listVisible(principal) {
      const out: DirectoryAgent[] = [];
      let after: string | undefined;
      for (;;) {
        const rows = await listRows(principal, 500, after);
        out.push(...rows.map(toDirectoryAgent));
        if (rows.length < 500 || out.length >= 5000) return out;
        after = rows[rows.length - 1]!.id;
      }
    },
  };

  function listRows(p: Principal, limit: number, after?: string) {
    const all = p.kind !== 'anonymous' && p.kind !== 'federation' && hasRole(p, 'admin');
    const visibilities: ('instance' | 'public')[] = p.kind === 'anonymous' ? ['public'] : ['instance', 'public'];
    const ownerId = p.kind === 'user' || p.kind === 'internal' ? principalId(p) : null;
    return repo.list({ ownerId, visibilities, all, limit, after });
  }

  return {
    directory,

    async list(p: Principal, opts: { limit: number; cursor?: string }): Promise<{ items: AgentView[]; nextCursor: string | null }> {
      const rows = await listRows(p, opts.limit + 1, opts.cursor);
      const page = rows.slice(0, opts.limit);
      return { items: page.map((r) => toView(r, p)), nextCursor: rows.length > opts.limit ? page[page.length - 1]!.id : null };
    },

    async get(p: Principal, id: string): Promise<AgentView> {
      return toView(await visible(p, id), p);
    },

    async create(p: Principal, input: AgentInput): Promise<AgentView> {
      checkKind(input);
      checkRuntimeChoice(p, input.runtime);
      const now = clock.now();
      const row = await insert(p, {
        slug: input.slug,
        name: input.name,
        description: input.description ?? '',
        ownerId: principalId(p),
        kind: input.kind,
        visibility: input.visibility ?? 'private',
        runtime: input.kind === 'image' ? 'docker' : (input.runtime ?? null),
        limits: { ...DEFAULT_LIMITS, ...input.limits },
        env: input.env ?? {},
        secretRefs: input.secretRefs ?? [],
        restartPolicy: input.restartPolicy ?? 'on-failure',
        managed: input.kind === 'managed' ? input.managed : null,
        image: input.kind === 'image' ? input.image : null,
        createdAt: now,
        updatedAt: now,
      });
      return toView(row, p);
    },

    async importRemote(p: Principal, cardUrl: string, opts: { slug: string; visibility?: AgentRow['visibility'] }): Promise<AgentView> {
      let card: { name?: unknown; description?: unknown; url?: unknown };
      try {
        const res = await deps.egressFetch(cardUrl, { headers: { accept: 'application/json' }, redirect: 'error' });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        card = (await res.json()) as typeof card;
      } catch (err) {
        if (err instanceof AppError) throw err;
        throw new AppError(422, 'AGENT_CARD_UNREACHABLE', `Could not read an agent card at ${cardUrl}: ${(err as Error).message}`.slice(0, 500));
      }
      if (!card || typeof card.name !== 'string') throw new AppError(422, 'AGENT_CARD_INVALID', 'The document is not an A2A agent card (no name)');
      const now = clock.now();
      const row = await insert(p, {
        slug: opts.slug,
        name: card.name.slice(0, 200),
        description: typeof card.description === 'string' ? card.description.slice(0, 2000) : '',
        ownerId: principalId(p),
        kind: 'remote',
        visibility: opts.visibility ?? 'private',
        limits: DEFAULT_LIMITS,
        cardUrl,
        remoteUrl: typeof card.url === 'string' ? card.url.slice(0, 2048) : null,
        status: 'ready',
        createdAt: now,
        updatedAt: now,
      });
      return toView(row, p);
    },

    async update(p: Principal, id: string, patch: AgentPatchInput): Promise<AgentView> {
      const row = await managed(p, id);
      checkRuntimeChoice(p, patch.runtime);
      checkKind({ kind: row.kind, managed: patch.managed ?? row.managed, image: patch.image ?? row.image, runtime: patch.runtime ?? row.runtime });
      const updated = await repo.update(id, {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.visibility !== undefined ? { visibility: patch.visibility } : {}),
        ...(patch.runtime !== undefined && row.kind !== 'image' ? { runtime: patch.runtime } : {}),
        ...(patch.limits !== undefined ? { limits: { ...row.limits, ...patch.limits } } : {}),
        ...(patch.env !== undefined ? { env: patch.env } : {}),
        ...(patch.secretRefs !== undefined ? { secretRefs: patch.secretRefs } : {}),
        ...(patch.restartPolicy !== undefined ? { restartPolicy: patch.restartPolicy } : {}),
        ...(patch.managed !== undefined && row.kind === 'managed' ? { managed: patch.managed } : {}),
        ...(patch.image !== undefined && row.kind === 'image' ? { image: patch.image } : {}),
        updatedAt: clock.now(),
      });
      if (!updated) throw notFound();
      await audit(p, 'agent.updated', updated, { fields: Object.keys(patch).sort() });
      return toView(updated, p);
    },

    async remove(p: Principal, id: string): Promise<void> {
      const row = await managed(p, id);
      await lifecycle.locked(id, async () => {
        const fresh = await repo.findById(id);
        if (!fresh) return;
        await lifecycle.stopLocked(fresh);
        await repo.delete(id);
      });
      await deps.secrets.deleteForAgent(id);
      const paths = agentPaths(deps.dataDir, id);
      rmSync(paths.base, { recursive: true, force: true });
      rmSync(paths.socketDir, { recursive: true, force: true });
      await audit(p, 'agent.deleted', row);
    },

    async uploadPackage(p: Principal, id: string, body: Buffer): Promise<AgentView> {
      const row = await managed(p, id);
      if (row.kind !== 'package') throw new ConflictError('Only package agents take a package', 'AGENT_NOT_PACKAGE');
      return lifecycle.locked(id, async () => {
        const paths = agentPaths(deps.dataDir, id);
        // Deleted while this upload waited for the lock: extracting now would leave files that
        // no agent owns (remove() already cleaned, or is about to clean, the agent's dir).
        if (!(await repo.findById(id))) {
          rmSync(paths.base, { recursive: true, force: true });
          throw notFound();
        }
        const pkg = await extractPackage(body, paths.packageDir);
        const updated = await repo.update(id, { packageSha256: pkg.sha256, packageBytes: body.length, packageEntry: pkg.entry, updatedAt: clock.now() });
        if (!updated) {
          rmSync(paths.base, { recursive: true, force: true });
          throw notFound();
        }
        await audit(p, 'agent.package.uploaded', updated, { sha256: pkg.sha256, bytes: body.length });
        return toView(updated, p);
      });
    },

    async operate(p: Principal, id: string, op: 'start' | 'stop' | 'pause' | 'resume' | 'restart'): Promise<AgentView> {
      const row = await managed(p, id);
      if (row.kind === 'remote') throw new ConflictError('Remote agents run elsewhere; they are only proxied', 'AGENT_NOT_RUNNABLE');
      const result = await lifecycle[op](id);
      await audit(p, `agent.${op}`, result);
      return toView(result, p);
    },

    async logs(p: Principal, id: string, opts: { tail: number; follow: boolean; signal?: AbortSignal }): Promise<AsyncIterable<LogLine>> {
      const row = await managed(p, id);
      return readLogs(agentPaths(deps.dataDir, row.id).logDir, opts);
    },

    async stats(p: Principal, id: string): Promise<InstanceStats & { status: AgentRow['status'] }> {
      const row = await visible(p, id);
      if (!row.instance) return { status: row.status, memoryBytes: null, memoryLimitBytes: null, cpuSeconds: null, pids: null };
      const driver = lifecycle.driverForRef(row.instance);
      if (!driver) return { status: row.status, memoryBytes: null, memoryLimitBytes: null, cpuSeconds: null, pids: null };
      return { status: row.status, ...(await driver.stats(row.instance)) };
    },
  };
}

export function toDirectoryAgent(row: AgentRow): DirectoryAgent {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    visibility: row.visibility,
    ownerId: row.ownerId,
    ...(row.kind === 'managed' && row.managed?.skills.length ? { skills: row.managed.skills } : {}),
  };
}

export type AgentsService = ReturnType<typeof createAgentsService>;
