// Composition root: builds stores, services and daemons from config. Nothing else wires
// dependencies, and nothing starts as an import side effect (ARCHITECTURE rule 2).
import { existsSync } from 'node:fs';
import type { Registry } from 'prom-client';
import { publicOrigin, type Config } from './config.js';
import { systemClock, type Clock } from './lib/clock.js';
import { openDatabase, type Database, type Db } from './lib/db/database.js';
import { createJobQueue, type JobQueue } from './lib/jobs/job-queue.js';
import { openKv, type Kv } from './lib/kv/index.js';
import type { Logger } from './lib/logger.js';
import { createMetricsRegistry } from './http/plugins/metrics.js';
import { createSystemService, type SystemService } from './modules/system/system.service.js';
import type { Authenticator } from './http/plugins/access-control.js';
import { createIdentity, type Identity } from './modules/auth/identity.js';
import type { AuditService } from './modules/audit/audit.service.js';
import type { UsersService } from './modules/users/users.service.js';
import type { TokensService } from './modules/tokens/tokens.service.js';
import { scheduleAuditRetention } from './modules/audit/audit-retention.js';
import { createEventBus, type EventBus } from './lib/events/event-bus.js';
import { adaptAuditService } from './lib/audit-port.js';
import { createSecretBox, splitKeyList, type SecretBox } from './lib/crypto/secret-box.js';
import { createEgressGuard, type EgressGuard } from './lib/egress/index.js';
import { createSecretsRepo } from './modules/secrets/secrets.repo.js';
import { createSecretsService, type SecretsService } from './modules/secrets/secrets.service.js';
import { createSettingsRepo } from './modules/settings/settings.repo.js';
import { createSettingsService, type SettingsService } from './modules/settings/settings.service.js';
import { createA2aService, type A2aService } from './modules/a2a/a2a.service.js';
import type { AgentDirectory, EgressFetch } from './modules/a2a/a2a.ports.js';
import { openTaskStore } from './modules/a2a/stores/open-task-store.js';
import { busRejectionCounter, createHmacBusIntegrity } from './modules/mesh/bus-integrity.js';
import { createMeshService, type MeshService } from './modules/mesh/mesh.service.js';
import { FederationConfigError } from './modules/mesh/federation/federation-config.js';
import { createLlmModule, type LlmModule } from './modules/llm/llm.module.js';
import type { SpendGuard } from './modules/llm/llm.ports.js';
import { runnerBundlePath } from './runner/bundle-path.js';
import { createChatRepo } from './modules/chat/chat.repo.js';
import { createUsageService, type UsageService } from './modules/llm/usage.service.js';
import { createChatService, type ChatService } from './modules/chat/chat.service.js';
import type { AgentLookup } from './modules/chat/chat.ports.js';
import { createBilling, type Billing } from './modules/billing/billing.js';
import type { AgentHostHandler, ManagedRunner } from './runtime/agent-host.js';
import { createRuntimes, defaultDriver, type Runtimes } from './runtime/index.js';
import { createAgentsRepo } from './modules/agents/agents.repo.js';
import { createAgentLifecycle, type AgentLifecycle } from './modules/agents/agents.lifecycle.js';
import { createAgentsService, type AgentsService } from './modules/agents/agents.service.js';
import { startSupervisor } from './modules/agents/agents.supervisor.js';

export interface Container {
  config: Config;
  logger: Logger;
  clock: Clock;
  database: Database;
  db: Db;
  kv: Kv;
  /** Domain events (agent lifecycle, config invalidation…) over Kv pub/sub. */
  events: EventBus;
  jobs: JobQueue;
  metrics: Registry;
  system: SystemService;
  /** The one audit log writer (hash-chained audit_logs). */
  audit: AuditService;
  users: UsersService;
  tokens: TokensService;
  /** Sessions, login, MFA, setup (modules/auth/identity.ts). */
  identity: Identity;
  /** AES-256-GCM for values at rest (ENCRYPTION_KEY, ENCRYPTION_KEY_PREVIOUS). */
  secretBox: SecretBox;
  /** The only way to make server-side HTTP(S) requests to URLs we do not control (spec 4.2). */
  egress: EgressGuard;
  secrets: SecretsService;
  settings: SettingsService;
  /** The A2A gateway; other modules talk to agents through it. */
  a2a: A2aService;
  /** Federation (inbound authenticator, status/directory/proxy) and the WAN ingress. */
  mesh: MeshService;
  /** Wallets, ledger, Stripe webhooks/Checkout/Portal, usage metering (spec §2.1). */
  billing: Billing;
  /** Billing's wallet hard stop and spending limit, asked by the LLM gateway before each call. */
  spendGuard: SpendGuard;
  /** The agent registry (CRUD, RBAC, AgentDirectory) and its lifecycle (start/stop…). */
  agents: AgentsService;
  agentLifecycle: AgentLifecycle;
  /** The runtime drivers this instance offers, by name. */
  runtimes: Runtimes;
  /** LLM providers and the gateway agents reach on their pilox.sock. */
  llm: LlmModule;
  /** What the runtime calls for each request an agent makes on its pilox.sock (the llm module's gateway). */
  agentHostHandler: AgentHostHandler;
  /** The managed-agent runner the runtime starts for managed agents (dist/runner.mjs); undefined until built. */
  managedRunner: ManagedRunner | undefined;
  /** Dashboard chat: conversations whose messages go through the A2A gateway. */
  chat: ChatService;
  /** Agents by id for chat and usage reports (the agents module). */
  agentLookup: AgentLookup;
  /** LLM usage reports over inference_usage. */
  usage: UsageService;
  /** Tried in order to resolve each request's principal (identity adds sessions and API tokens). */
  authenticators: Authenticator[];
  /** Lines `pilox start` prints after the URL (e.g. the one-time setup token). */
  startupNotices: string[];
  /** Starts daemons (job workers, schedulers). Separate from construction so tests and CLI one-shots can skip it. */
  startDaemons(): void;
  close(): Promise<void>;
}

/** A start-up failure that names the variable to fix. */
export class StartupError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'StartupError';
  }
}

function describe(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return describe(err.errors[0]);
  if (err instanceof Error) return (err as { code?: string }).code ? `${(err as { code?: string }).code}: ${err.message}` : err.message;
  return String(err);
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export async function openDatabaseFromConfig(config: Config): Promise<Database> {
  try {
    const database = config.DATABASE_URL
      ? await openDatabase({ kind: 'postgres', url: config.DATABASE_URL })
      : await openDatabase({ kind: 'pglite', dataDir: config.dataDir });
    await database.ping();
    return database;
  } catch (err) {
    if (config.DATABASE_URL) {
      throw new StartupError('DATABASE_URL', `cannot connect to ${redact(config.DATABASE_URL)} (${describe(err)})`);
    }
    throw new StartupError('PILOX_DATA_DIR', `cannot open the embedded database in ${config.dataDir} (${describe(err)})`);
  }
}

export async function openKvFromConfig(config: Config): Promise<Kv> {
  try {
    return await openKv({ url: config.REDIS_URL, prefix: config.REDIS_KEY_PREFIX });
  } catch (err) {
    throw new StartupError('REDIS_URL', `cannot connect to ${redact(config.REDIS_URL ?? '')} (${describe(err)})`);
  }
}

export interface ContainerOverrides {
  /** Pre-opened stores (tests share one database per file); the container then does not close them. */
  database?: Database;
  kv?: Kv;
  clock?: Clock;
  /** A one-shot CLI command: do not rotate the one-time setup token a running server printed. */
  cli?: boolean;
  /** Agents as the A2A gateway sees them (the agents module; tests use a small local directory). */
  agentDirectory?: AgentDirectory;
  /** The egress guard's fetch for remote agents and webhooks. */
  egressFetch?: EgressFetch;
  /** Refuses LLM calls of owners who may not spend; default: billing's spend guard. */
  spendGuard?: SpendGuard;
  /** Agents by id for chat and usage reports; default: the agents module. */
  agentLookup?: AgentLookup;
  /** How managed agents run; default: the LLM module's runner, dist/runner.mjs, when built (else MANAGED_RUNNER_UNAVAILABLE). */
  managedRunner?: ManagedRunner | null;
  /** Serves what agents ask of Pilox on their pilox.sock (LLM gateway, tools); default: the LLM module's gateway and tools. */
  agentHostHandler?: AgentHostHandler;
  /** Runtime drivers by name (e.g. add the docker driver); default: sandbox and process. */
  runtimes?: Runtimes;
  /** Supervisor pass interval (tests shorten it). */
  agentSupervisorIntervalMs?: number;
}

export async function createContainer(config: Config, logger: Logger, overrides: ContainerOverrides = {}): Promise<Container> {
  const database = overrides.database ?? (await openDatabaseFromConfig(config));
  let kv: Kv;
  try {
    kv = overrides.kv ?? (await openKvFromConfig(config));
  } catch (err) {
    if (!overrides.database) await database.close();
    throw err;
  }
  if (!config.HIVE_SKIP_MIGRATE && !overrides.database) {
    await database.migrate();
  }
  const clock = overrides.clock ?? systemClock;
  const jobs = createJobQueue({ db: database.db, logger: logger.child({ component: 'jobs' }) });
  const metrics = createMetricsRegistry();
  const busRejected = busRejectionCounter(metrics);
  const events = createEventBus({
    kv,
    producer: config.AUTH_URL ? new URL(config.AUTH_URL).host : `pilox-${process.pid}`,
    onHandlerError: (err) => logger.error({ err }, 'event handler failed'),
    // MESH_BUS_HMAC_SECRET: sign what we publish, drop (and count) what is unsigned or forged.
    integrity: config.MESH_BUS_HMAC_SECRET
      ? createHmacBusIntegrity({
          secret: config.MESH_BUS_HMAC_SECRET,
          onRejected: (channel, reason, event) => {
            busRejected.inc({ channel, reason });
            logger.debug({ channel, reason, type: event.type, producer: event.meshMeta?.producer }, 'mesh bus: message dropped');
          },
        })
      : undefined,
  });
  const runtimes: Runtimes =
    overrides.runtimes ??
    createRuntimes({
      production: config.isProduction,
      allowUnsandboxed: config.PILOX_ALLOW_UNSANDBOXED,
      sandboxUid: config.PILOX_SANDBOX_UID,
      dockerHost: config.DOCKER_HOST,
      logger: logger.child({ component: 'runtime' }),
    });
  const system = createSystemService({ database, kv, config, runtimes });
  const secretBox = createSecretBox({ current: config.ENCRYPTION_KEY, previous: splitKeyList(config.ENCRYPTION_KEY_PREVIOUS) });
  const identity = await createIdentity({ config, db: database.db, kv, jobs, clock, logger, secretBox });
  const startupNotices = overrides.cli ? [] : await identity.startupNotices();
  const settings = createSettingsService({
    db: database.db,
    settingsRepo: createSettingsRepo(database.db),
    config,
    audit: adaptAuditService(identity.audit),
    events,
    clock,
    logger: logger.child({ component: 'settings' }),
  });
  const stopSettingsListener = await settings.listenForChanges();
  const egress = createEgressGuard({ config, allowlist: () => settings.egressAllowlist(), logger: logger.child({ component: 'egress' }) });
  const secrets = createSecretsService({ db: database.db, secretsRepo: createSecretsRepo(database.db), secretBox, audit: adaptAuditService(identity.audit), clock });
  let mesh: MeshService;
  try {
    mesh = createMeshService({
      config,
      events,
      kv,
      fetch: (url, init) => egress.fetch(url, init),
      audit: adaptAuditService(identity.audit),
      clock,
      metrics,
    });
  } catch (err) {
    if (!overrides.kv) await kv.close();
    if (!overrides.database) await database.close();
    if (err instanceof FederationConfigError) throw new StartupError(err.variable, err.message);
    throw err;
  }

  let taskStore;
  try {
    taskStore = await openTaskStore(config, database.db);
  } catch (err) {
    if (!overrides.kv) await kv.close();
    if (!overrides.database) await database.close();
    throw new StartupError('REDIS_URL', `cannot open the A2A task store (${describe(err)})`);
  }
  const egressFetch: EgressFetch = overrides.egressFetch ?? ((url, init) => egress.fetch(url, init));
  const billing = createBilling({
    db: database.db,
    kv,
    users: identity.users,
    audit: identity.audit,
    clock,
    logger: logger.child({ component: 'billing' }),
    jobs,
    settings: {
      webhookSecret: config.STRIPE_WEBHOOK_SECRET,
      secretKey: config.STRIPE_SECRET_KEY,
      apiBase: config.STRIPE_API_BASE,
      subscriptionPriceId: config.STRIPE_SUBSCRIPTION_PRICE_ID,
      currency: config.BILLING_CURRENCY,
      usageMinorPer1kTokens: config.BILLING_USAGE_MINOR_PER_1K_TOKENS,
      origin: publicOrigin(config),
    },
  });
  const spendGuard: SpendGuard = overrides.spendGuard ?? billing.spendGuard;
  const llm = createLlmModule({
    db: database.db,
    kv,
    secretBox,
    egress,
    audit: adaptAuditService(identity.audit),
    clock,
    logger: logger.child({ component: 'llm' }),
    spendGuard,
    secrets,
  });

  const agentHostHandler: AgentHostHandler = overrides.agentHostHandler ?? llm.agentHostHandler;
  // The bundle exists once built (`npm run build`, the test setup); without it managed agents cannot start.
  const managedRunner: ManagedRunner | undefined =
    overrides.managedRunner === null ? undefined : (overrides.managedRunner ?? (existsSync(runnerBundlePath) ? { entry: runnerBundlePath } : undefined));
  const agentsRepo = createAgentsRepo(database.db);
  const chatRepo = createChatRepo(database.db);
  const agentLifecycle = createAgentLifecycle({
    repo: agentsRepo,
    runtimes,
    defaultDriver: () => defaultDriver(runtimes, config.PILOX_RUNTIME_DEFAULT),
    secrets,
    events,
    kv,
    clock,
    logger: logger.child({ component: 'agents' }),
    dataDir: config.dataDir,
    managedRunner,
    hostHandler: agentHostHandler,
  });
  const agents = createAgentsService({
    repo: agentsRepo,
    lifecycle: agentLifecycle,
    audit: adaptAuditService(identity.audit),
    clock,
    logger: logger.child({ component: 'agents' }),
    dataDir: config.dataDir,
    egressFetch,
    // What an agent leaves behind in other modules goes with it (no foreign keys across modules).
    secrets: {
      async deleteForAgent(agentId: string) {
        await secrets.deleteForAgent(agentId);
        await chatRepo.deleteForAgent(agentId);
      },
    },
  });
  const a2a = createA2aService({
    settings: {
      enabled: config.A2A_ENABLED,
      minRole: config.A2A_JSONRPC_MIN_ROLE,
      taskTtlSeconds: config.A2A_TASK_TTL_SECONDS,
      maxBodyBytes: config.A2A_JSONRPC_MAX_BODY_BYTES,
      rateLimit: { max: config.A2A_RATE_LIMIT_MAX, windowMs: config.A2A_RATE_LIMIT_WINDOW_MS },
      publicJsonRpc: {
        enabled: config.A2A_PUBLIC_JSONRPC_ENABLED,
        methods: config.A2A_PUBLIC_JSONRPC_ALLOWED_METHODS.split(','),
        max: config.A2A_PUBLIC_JSONRPC_RATE_LIMIT_MAX,
        windowMs: config.A2A_PUBLIC_JSONRPC_RATE_LIMIT_WINDOW_MS,
      },
      federationRateLimit: { max: config.MESH_FEDERATION_RATE_LIMIT_MAX, windowMs: config.MESH_FEDERATION_RATE_LIMIT_WINDOW_MS },
      upstreamTimeoutMs: config.A2A_UPSTREAM_TIMEOUT_MS,
    },
    // Peer agents (MESH_FEDERATION_*) join the local ones as remote agents `fed<i>--<slug>`.
    directory: mesh.federatedDirectory(overrides.agentDirectory ?? agents.directory),
    taskStore,
    db: database.db,
    kv,
    jobs,
    logger,
    origin: publicOrigin(config),
    egressFetch,
    // Only the federation directory's agents call a peer as this instance (a fresh federation
    // JWT, never the user's credentials); imported agents and webhooks go out without it.
    federationFetch: mesh.federatedFetch(egressFetch),
  });

  const agentLookup: AgentLookup = overrides.agentLookup ?? {
    async get(id, principal) {
      const a = await agents.get(principal, id);
      return { id: a.id, slug: a.slug, ownerId: a.ownerId };
    },
  };
  const chat = createChatService({ repo: chatRepo, agents: agentLookup, a2a, clock });
  const usage = createUsageService({ db: database.db, agents: agentLookup });

  const daemons: { stop(): Promise<void> }[] = [];
  return {
    config,
    logger,
    clock,
    database,
    db: database.db,
    kv,
    events,
    jobs,
    metrics,
    system,
    audit: identity.audit,
    users: identity.users,
    tokens: identity.tokens,
    identity,
    secretBox,
    egress,
    secrets,
    settings,
    a2a,
    billing,
    spendGuard,
    agents,
    agentLifecycle,
    runtimes,
    mesh,
    llm,
    agentHostHandler,
    managedRunner,
    chat,
    agentLookup,
    usage,
    // Federation first: a request with a federation header is the peer or nothing.
    authenticators: [mesh.authenticator, ...identity.authenticators],
    startupNotices,
    startDaemons() {
      daemons.push(jobs.start());
      scheduleAuditRetention(jobs).catch((err) => logger.error({ err }, 'could not schedule the audit retention job'));
      a2a.startDaemons(jobs).catch((err) => logger.error({ err }, 'a2a: scheduling the purge failed'));
      billing.startDaemons(jobs).catch((err) => logger.error({ err }, 'billing: scheduling usage metering failed'));
      daemons.push(
        startSupervisor({
          repo: agentsRepo,
          lifecycle: agentLifecycle,
          kv,
          logger: logger.child({ component: 'agent-supervisor' }),
          intervalMs: overrides.agentSupervisorIntervalMs,
        }),
      );
    },
    async close() {
      for (const d of daemons.reverse()) await d.stop().catch((err) => logger.error({ err }, 'daemon stop failed'));
      await agentLifecycle.closeAll().catch((err) => logger.error({ err }, 'stopping agents failed'));
      // Aborts engine requests still open (log follows, waits) so they cannot keep the process alive.
      for (const runtime of Object.values(runtimes)) (runtime as { close?: () => void } | undefined)?.close?.();
      await a2a.close().catch((err) => logger.error({ err }, 'a2a close failed'));
      await llm.close().catch((err) => logger.error({ err }, 'llm close failed'));
      await identity.stop().catch((err) => logger.error({ err }, 'identity stop failed'));
      await stopSettingsListener().catch((err) => logger.error({ err }, 'settings listener stop failed'));
      await egress.close().catch((err) => logger.error({ err }, 'egress close failed'));
      if (!overrides.kv) await kv.close();
      if (!overrides.database) await database.close();
    },
  };
}
