// Turns "this principal calls this agent" into an SDK request handler and call context: the
// agent is resolved through the directory (visibility rules are the agents module's), the task
// scope (agent, owner, admin) is attached to the context for the stores, and the executor that
// forwards to the agent is bound to the call.
import { Extensions, type AgentCard } from '@a2a-js/sdk';
import { ServerCallContext, type A2ARequestHandler, type PushNotificationSender, type User } from '@a2a-js/sdk/server';
import { principalId, type Principal } from '../../../http/principal.js';
import { AppError, NotFoundError } from '../../../lib/errors.js';
import type { Logger } from '../../../lib/logger.js';
import type { AgentDirectory, DirectoryAgent, ResolvedAgent } from '../a2a.ports.js';
import type { PiloxPushStore } from '../push/push-config-store.js';
import { setScope, type PiloxTaskStore } from '../stores/task-store.js';
import { agentCardJson, toSdkCard, type WireVersion } from './cards.js';
import type { FanOutBusManager } from './fan-out-bus.js';
import { createForwardingExecutor, markFreshContext, markStreaming } from './forwarding-executor.js';
import { createPiloxRequestHandler } from './pilox-handler.js';
import type { RunningTask } from './relay.js';
import { EgressNotConfiguredError, type UpstreamClients } from './upstream.js';

class PrincipalUser implements User {
  constructor(private readonly principal: Principal) {}
  get isAuthenticated(): boolean {
    return this.principal.kind !== 'anonymous';
  }
  /** spec §10: users.id, else email; the internal token is hive-internal. */
  get userName(): string {
    return principalId(this.principal);
  }
}

export interface CallTarget {
  agent: DirectoryAgent;
  /** Null when the agent is not running: only store-backed methods can be served. */
  resolved: ResolvedAgent | null;
}

export interface CallDeps {
  directory: AgentDirectory;
  store: PiloxTaskStore;
  buses: FanOutBusManager;
  pushStore: PiloxPushStore;
  pushSender: PushNotificationSender;
  upstream: UpstreamClients;
  running: Map<string, RunningTask>;
  logger: Logger;
  origin: string;
  timeoutMs: number;
  anonymousAllowed: boolean;
  egressConfigured: boolean;
}

const isCode = (err: unknown, code: string) => err instanceof AppError && err.code === code;

/** Parsed cards by what they are built from: building one costs more than the rest of a call's setup. */
const CARD_CACHE_MAX = 1000;

export function createCalls(deps: CallDeps) {
  const cards = new Map<string, AgentCard>();

  function handlerCard(agent: DirectoryAgent): AgentCard {
    const key = JSON.stringify([agent.id, agent.slug, agent.name, agent.description, agent.visibility, agent.skills ?? null]);
    let card = cards.get(key);
    if (!card) {
      card = toSdkCard(agentCardJson({ agent, origin: deps.origin, anonymousAllowed: deps.anonymousAllowed }));
      if (cards.size >= CARD_CACHE_MAX) cards.delete(cards.keys().next().value!);
      cards.set(key, card);
    }
    return card;
  }

  async function resolve(slug: string, principal: Principal, opts: { storeOnly: boolean }): Promise<CallTarget> {
    let target: CallTarget;
    try {
      const resolved = await deps.directory.resolveForCall(slug, principal);
      target = { agent: resolved.agent, resolved };
    } catch (err) {
      if (!isCode(err, 'AGENT_NOT_RUNNING') || !opts.storeOnly) throw err;
      const agent = (await deps.directory.listVisible(principal)).find((a) => a.slug === slug);
      if (!agent) throw err;
      target = { agent, resolved: null };
    }
    // Anonymous callers only ever reach public agents, whatever the directory allows.
    if (principal.kind === 'anonymous' && target.agent.visibility !== 'public') {
      throw new NotFoundError('Agent not found', 'AGENT_NOT_FOUND');
    }
    // A federated endpoint calls a peer as this instance: only for our own users and the
    // operator's token, never a peer or anonymous caller (an instance never relays between peers).
    const endpoint = target.resolved?.endpoint;
    if (endpoint?.kind === 'remote' && endpoint.federated && principal.kind !== 'user' && principal.kind !== 'internal') {
      throw new NotFoundError('Agent not found', 'AGENT_NOT_FOUND');
    }
    // Refuse up front rather than fail the task: remote agents need the egress guard.
    if (!opts.storeOnly && target.resolved?.endpoint.kind === 'remote' && !deps.egressConfigured) {
      throw new EgressNotConfiguredError();
    }
    return target;
  }

  /** The agent's own card, when it can be read (skills and modes for Pilox's card). */
  async function upstreamCard(target: CallTarget): Promise<AgentCard | undefined> {
    if (!target.resolved) return undefined;
    try {
      return (await deps.upstream.get(target.resolved.endpoint)).card;
    } catch (err) {
      deps.logger.debug({ err, agentId: target.agent.id }, 'a2a: agent card unavailable');
      return undefined;
    }
  }

  async function cardJson(target: CallTarget) {
    return agentCardJson({ agent: target.agent, origin: deps.origin, upstream: await upstreamCard(target), anonymousAllowed: deps.anonymousAllowed });
  }

  function build(
    target: CallTarget,
    principal: Principal,
    version: WireVersion,
    opts: { extensions?: string; streaming?: boolean; freshContext?: boolean } = {},
  ): { handler: A2ARequestHandler; context: ServerCallContext } {
    const context = new ServerCallContext({
      user: new PrincipalUser(principal),
      requestedVersion: version,
      requestedExtensions: opts.extensions ? Extensions.parseServiceParameter(opts.extensions) : undefined,
    });
    setScope(context, {
      agentId: target.agent.id,
      ownerId: principalId(principal),
      admin: principal.kind === 'user' && principal.role === 'admin',
    });
    if (opts.streaming) markStreaming(context);
    if (opts.freshContext) markFreshContext(context);
    const card = handlerCard(target.agent);
    const executor = createForwardingExecutor({
      target: target.resolved,
      upstream: deps.upstream,
      store: deps.store,
      running: deps.running,
      context,
      logger: deps.logger,
      timeoutMs: deps.timeoutMs,
    });
    const handler = createPiloxRequestHandler({
      card,
      extendedCard: async () => toSdkCard(await cardJson(target)),
      store: deps.store,
      buses: deps.buses,
      pushStore: deps.pushStore,
      pushSender: deps.pushSender,
      executor,
      target: target.resolved,
      upstream: deps.upstream,
      logger: deps.logger,
    });
    return { handler, context };
  }

  return { resolve, build, cardJson };
}

export type Calls = ReturnType<typeof createCalls>;

