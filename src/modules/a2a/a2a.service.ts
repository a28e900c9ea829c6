// The A2A gateway (issue: every agent reachable by any standard A2A client, 1.0 and 0.3).
// Composes the protocol core (framework-free, under gateway/), the stores and push delivery,
// and offers the small internal API other modules use to talk to an agent (the chat API):
// there is one way to talk to an agent, and it is this one.
import { randomUUID } from 'node:crypto';
import { Message, SendMessageRequest, StreamResponse, Task } from '@a2a-js/sdk';
import { A2AError, TaskNotFoundError } from '@a2a-js/sdk/errors';
import type { Role } from '../../http/access.js';
import type { Principal } from '../../http/principal.js';
import { BadRequestError, NotFoundError, ValidationError } from '../../lib/errors.js';
import type { Db } from '../../lib/db/database.js';
import type { JobQueue } from '../../lib/jobs/job-queue.js';
import type { Kv } from '../../lib/kv/kv.js';
import type { Logger } from '../../lib/logger.js';
import type { AgentDirectory, EgressFetch } from './a2a.ports.js';
import { createCallerPolicy } from './gateway/caller-policy.js';
import { createCalls } from './gateway/calls.js';
import { cardVersion, platformCardJson, wireCard } from './gateway/cards.js';
import { createFanOutBusManager } from './gateway/fan-out-bus.js';
import { createJsonRpcGateway, type JsonRpcCall, type JsonRpcReply } from './gateway/jsonrpc-gateway.js';
import { paramsProblem } from './gateway/params-check.js';
import type { RunningTask } from './gateway/relay.js';
import { createUpstreamClients } from './gateway/upstream.js';
import { createPushConfigStore } from './push/push-config-store.js';
import { createPushDeliveryHandler, createPushSender, listDeliveries, purgeDeliveries, PUSH_QUEUE, type PushDelivery } from './push/push-delivery.js';
import type { PiloxTaskStore } from './stores/task-store.js';

export const PURGE_QUEUE = 'a2a.purge';
const DELIVERY_LOG_DAYS = 30;

export interface A2aSettings {
  enabled: boolean;
  minRole: Role;
  taskTtlSeconds: number;
  maxBodyBytes: number;
  rateLimit: { max: number; windowMs: number };
  publicJsonRpc: { enabled: boolean; methods: string[]; max: number; windowMs: number };
  federationRateLimit: { max: number; windowMs: number };
  upstreamTimeoutMs: number;
}

export interface A2aServiceDeps {
  settings: A2aSettings;
  directory: AgentDirectory;
  taskStore: PiloxTaskStore;
  db: Db;
  kv: Kv;
  jobs: Pick<JobQueue, 'enqueue' | 'register' | 'schedule'>;
  logger: Logger;
  /** Public origin (AUTH_URL): the URLs cards advertise. */
  origin: string;
  /** The egress guard's fetch; without it remote agents and webhooks are refused. */
  egressFetch?: EgressFetch;
  /**
   * The egress fetch that calls a peer as this instance (federation JWT), used only for the
   * federation directory's endpoints (`federated: true`), never for webhooks or imported agents.
   */
  federationFetch?: EgressFetch;
}

/** A message to an agent, as the internal API takes it (A2A 1.0 JSON parts). */
export interface AgentMessageInput {
  text?: string;
  parts?: unknown[];
  messageId?: string;
  contextId?: string;
  taskId?: string;
  metadata?: Record<string, unknown>;
}

/** A2A 1.0 JSON objects (the wire shapes), so callers need no SDK types. */
export type A2aJson = Record<string, unknown>;
export type SendResult = { task: A2aJson } | { message: A2aJson };
/** One StreamResponse: exactly one of task, message, statusUpdate, artifactUpdate. */
export type A2aStreamEvent = A2aJson;

function toAppError(err: unknown): unknown {
  if (err instanceof TaskNotFoundError) return new NotFoundError('Task not found', 'TASK_NOT_FOUND');
  if (err instanceof A2AError) return new BadRequestError(err.message, err.reason || 'A2A_ERROR');
  return err;
}

export function createA2aService(deps: A2aServiceDeps) {
  const { settings, kv, logger } = deps;
  const log = logger.child({ component: 'a2a' });
  const buses = createFanOutBusManager({ kv, onError: (err) => log.warn({ err }, 'a2a: event fan-out failed') });
  const upstream = createUpstreamClients({ egressFetch: deps.egressFetch, federationFetch: deps.federationFetch });
  // The "has webhooks" flag lives as long as the task may (no expiry when tasks never expire).
  const pushStore = createPushConfigStore({ db: deps.db, kv, flagTtlMs: settings.taskTtlSeconds > 0 ? settings.taskTtlSeconds * 1000 : undefined });
  const pushSender = createPushSender({ store: pushStore, kv, jobs: deps.jobs, logger: log });
  const policy = createCallerPolicy({
    kv,
    config: {
      minRole: settings.minRole,
      publicEnabled: settings.publicJsonRpc.enabled,
      publicMethods: settings.publicJsonRpc.methods,
      authenticated: settings.rateLimit,
      anonymous: { max: settings.publicJsonRpc.max, windowMs: settings.publicJsonRpc.windowMs },
      federation: settings.federationRateLimit,
    },
  });
  const running = new Map<string, RunningTask>();
  const calls = createCalls({
    directory: deps.directory,
    store: deps.taskStore,
    buses,
    pushStore,
    pushSender,
    upstream,
    running,
    logger: log,
    origin: deps.origin,
    timeoutMs: settings.upstreamTimeoutMs,
    anonymousAllowed: policy.anonymousAllowed,
    egressConfigured: deps.egressFetch !== undefined,
  });
  const gateway = createJsonRpcGateway({ calls, policy, directory: deps.directory, origin: deps.origin, logger: log });

  deps.jobs.register(PUSH_QUEUE, createPushDeliveryHandler({ db: deps.db, store: pushStore, egressFetch: deps.egressFetch, logger: log }), {
    concurrency: 4,
  });
  deps.jobs.register(PURGE_QUEUE, async () => {
    const ttl = settings.taskTtlSeconds;
    if (ttl > 0) await deps.taskStore.purgeUpdatedBefore(new Date(Date.now() - ttl * 1000));
    await purgeDeliveries(deps.db, new Date(Date.now() - DELIVERY_LOG_DAYS * 86_400_000));
  });

  function validateInput(input: AgentMessageInput) {
    const json = {
      message: {
        messageId: input.messageId ?? randomUUID(),
        role: 'ROLE_USER',
        parts: input.parts ?? (input.text !== undefined ? [{ text: input.text }] : []),
        ...(input.contextId ? { contextId: input.contextId } : {}),
        ...(input.taskId ? { taskId: input.taskId } : {}),
        ...(input.metadata ? { metadata: input.metadata } : {}),
      },
    };
    const problem = paramsProblem('SendMessage', false, json);
    if (problem) throw new ValidationError(problem.replace(/^params\./, ''));
    return SendMessageRequest.fromJSON(json);
  }

  async function open(slug: string, principal: Principal, opts: { storeOnly?: boolean; streaming?: boolean; freshContext?: boolean } = {}) {
    const target = await calls.resolve(slug, principal, { storeOnly: opts.storeOnly ?? false });
    return calls.build(target, principal, '1.0', opts);
  }

  return {
    settings,
    taskStoreKind: deps.taskStore.kind,
    policy,

    /** JSON-RPC on /a2a/agents/:slug and /api/a2a/jsonrpc. */
    handleJsonRpc(call: JsonRpcCall): Promise<JsonRpcReply> {
      return gateway.handle(call);
    },

    /** Card of one agent, in the version the client asked for. */
    async agentCard(slug: string, principal: Principal, versionHeader: string | undefined): Promise<unknown> {
      const target = await calls.resolve(slug, principal, { storeOnly: true });
      return wireCard(await calls.cardJson(target), cardVersion(versionHeader));
    },

    async platformCard(principal: Principal, versionHeader: string | undefined): Promise<unknown> {
      const agents = await deps.directory.listVisible(principal);
      const visible = principal.kind === 'anonymous' ? agents.filter((a) => a.visibility === 'public') : agents;
      return wireCard(platformCardJson(deps.origin, visible, policy.anonymousAllowed), cardVersion(versionHeader));
    },

    /** Internal API: one message, waits for the outcome (a task in a final or interrupted state, or a message). */
    async sendMessage(slug: string, principal: Principal, input: AgentMessageInput): Promise<SendResult> {
      const request = validateInput(input);
      const { handler, context } = await open(slug, principal, { freshContext: !input.contextId });
      try {
        const result = await handler.sendMessage(request, context);
        return 'messageId' in result ? { message: Message.toJSON(result) as A2aJson } : { task: Task.toJSON(result) as A2aJson };
      } catch (err) {
        throw toAppError(err);
      }
    },

    /** Internal API: the task's events as A2A 1.0 StreamResponse JSON, ending with a final state. */
    async *streamMessage(slug: string, principal: Principal, input: AgentMessageInput): AsyncGenerator<A2aStreamEvent> {
      const request = validateInput(input);
      const { handler, context } = await open(slug, principal, { streaming: true, freshContext: !input.contextId });
      try {
        for await (const event of handler.sendMessageStream(request, context)) yield StreamResponse.toJSON(event) as A2aJson;
      } catch (err) {
        throw toAppError(err);
      }
    },

    async getTask(slug: string, principal: Principal, taskId: string): Promise<A2aJson> {
      const { handler, context } = await open(slug, principal, { storeOnly: true });
      try {
        return Task.toJSON(await handler.getTask({ tenant: '', id: taskId, historyLength: undefined }, context)) as A2aJson;
      } catch (err) {
        throw toAppError(err);
      }
    },

    async cancelTask(slug: string, principal: Principal, taskId: string): Promise<A2aJson> {
      const { handler, context } = await open(slug, principal, { storeOnly: true });
      try {
        return Task.toJSON(await handler.cancelTask({ tenant: '', id: taskId, metadata: undefined }, context)) as A2aJson;
      } catch (err) {
        throw toAppError(err);
      }
    },

    deliveries(opts: { taskId?: string; limit: number }): Promise<PushDelivery[]> {
      return listDeliveries(deps.db, opts);
    },

    /** Non-secret summary for GET /api/a2a/status. */
    status(egressConfigured = deps.egressFetch !== undefined) {
      return {
        enabled: settings.enabled,
        protocolVersions: ['1.0', '0.3'],
        bindings: ['JSONRPC'],
        taskStore: deps.taskStore.kind,
        taskTtlSeconds: settings.taskTtlSeconds,
        jsonrpcMinRole: settings.minRole,
        maxBodyBytes: settings.maxBodyBytes,
        rateLimit: settings.rateLimit,
        publicJsonRpc: {
          enabled: settings.publicJsonRpc.enabled,
          allowedMethods: [...policy.publicMethods],
          rateLimit: { max: settings.publicJsonRpc.max, windowMs: settings.publicJsonRpc.windowMs },
        },
        pushNotifications: { enabled: true, egressConfigured },
        remoteAgents: { egressConfigured },
        tasksRunningHere: running.size,
        endpoints: {
          platformCard: `${deps.origin}/.well-known/agent-card.json`,
          platformJsonRpc: `${deps.origin}/api/a2a/jsonrpc`,
          agentCard: `${deps.origin}/a2a/agents/{slug}/.well-known/agent-card.json`,
          agentJsonRpc: `${deps.origin}/a2a/agents/{slug}`,
        },
      };
    },

    async startDaemons(jobs: Pick<JobQueue, 'schedule'>): Promise<void> {
      await jobs.schedule('a2a.purge', { everyMs: 3_600_000 }, PURGE_QUEUE);
    },

    async close(): Promise<void> {
      for (const entry of running.values()) entry.abort.abort();
      await upstream.close();
      await deps.taskStore.close();
    },
  };
}

export type A2aService = ReturnType<typeof createA2aService>;
