// Pilox's AgentExecutor: forwards each message to the agent's own A2A server with the SDK
// client and relays every event into Pilox's bus, so tasks live in Pilox's task store whatever
// the agent keeps. Failures become a FAILED task with a generic explanation; the cause is logged.
import { createHash } from 'node:crypto';
import { TaskState, type SendMessageRequest } from '@a2a-js/sdk';
import { A2AError, TaskNotCancelableError } from '@a2a-js/sdk/errors';
import { AgentEvent, type AgentExecutor, type ExecutionEventBus, type RequestContext, type ServerCallContext } from '@a2a-js/sdk/server';
import { EgressBlockedError } from '../../../lib/egress/index.js';
import { AppError } from '../../../lib/errors.js';
import type { Logger } from '../../../lib/logger.js';
import type { ResolvedAgent } from '../a2a.ports.js';
import { scopeOf, type A2aScope, type PiloxTaskStore } from '../stores/task-store.js';
import { agentText, isInterrupted, isTerminal, Relay, type RunningTask } from './relay.js';
import type { UpstreamClients } from './upstream.js';

const STREAMING_KEY = 'pilox.a2a.streaming';
const FRESH_CONTEXT_KEY = 'pilox.a2a.freshContext';

/** Marks a call whose client streams, so the agent is asked to stream too. */
export function markStreaming(context: ServerCallContext): void {
  context.state.set(STREAMING_KEY, true);
}

/** Marks a call whose message named no context: the SDK made a new one, no agent context exists. */
export function markFreshContext(context: ServerCallContext): void {
  context.state.set(FRESH_CONTEXT_KEY, true);
}

/**
 * The context id the agent sees for a Pilox context it has not named itself: derived from the
 * caller and the context, so two callers who pick the same contextId never share the agent's
 * conversation.
 */
export function derivedContextId(scope: A2aScope, contextId: string): string {
  return `pilox-${createHash('sha256').update(`${scope.agentId}\0${scope.ownerId}\0${contextId}`).digest('hex').slice(0, 32)}`;
}

export interface ExecutorDeps {
  target: ResolvedAgent | null;
  upstream: UpstreamClients;
  store: PiloxTaskStore;
  /** Tasks executing on this replica, by Pilox task id. */
  running: Map<string, RunningTask>;
  /** The context of the request that built this executor (cancel has no other). */
  context: ServerCallContext;
  logger: Logger;
  timeoutMs: number;
}

function describe(err: unknown, signal: AbortSignal): string {
  const reason = signal.aborted ? (signal.reason as Error | undefined) : undefined;
  if (reason?.name === 'TimeoutError' || (err instanceof Error && err.name === 'TimeoutError')) return 'The agent did not answer in time';
  // The egress guard's reason names internal addresses: it is for the agent's owner (logs), not the caller.
  if (err instanceof EgressBlockedError) return 'The agent could not be reached: its address is not allowed by the egress policy';
  if (err instanceof AppError && err.status < 500) return err.message;
  if (err instanceof A2AError) return 'The agent returned an error';
  return 'The agent could not be reached';
}

async function* withIdleTimeout<T>(source: AsyncIterable<T>, idleMs: number, abort: AbortController): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  for (;;) {
    const timer = setTimeout(() => abort.abort(new DOMException('agent stream idle', 'TimeoutError')), idleMs);
    try {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    } finally {
      clearTimeout(timer);
    }
  }
}

export function createForwardingExecutor(deps: ExecutorDeps): AgentExecutor {
  const { upstream, store, running, logger } = deps;

  async function execute(rc: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const scope = scopeOf(rc.context);
    const entry: RunningTask = { terminal: false, canceled: false, abort: new AbortController() };
    const relay = new Relay(rc, bus, scope, entry);
    entry.relay = relay;
    running.set(rc.taskId, entry);
    try {
      if (!deps.target) throw new Error('agent is not running');
      const { endpoint } = deps.target;
      const { client, card } = await upstream.get(endpoint);
      const link = rc.task ? await store.getUpstream(rc.taskId, rc.context) : undefined;
      if (link) {
        entry.upstreamTaskId = link.taskId;
        scope.upstream = link;
      }
      const fresh = !rc.task && rc.context.state.get(FRESH_CONTEXT_KEY) === true;
      const known = link?.contextId ?? (fresh ? undefined : await store.findUpstreamContextId(rc.contextId, rc.context));
      const contextId = known ?? derivedContextId(scope, rc.contextId);
      const request: SendMessageRequest = {
        tenant: '',
        message: { ...rc.userMessage, taskId: link?.taskId ?? '', contextId },
        // Push configs are Pilox's to honour; the agent never sees the caller's webhook.
        configuration: {
          acceptedOutputModes: rc.request.configuration?.acceptedOutputModes ?? [],
          taskPushNotificationConfig: undefined,
          historyLength: undefined,
          returnImmediately: false,
        },
        metadata: rc.request.metadata,
      };
      const stream =
        card.capabilities?.streaming === true &&
        (rc.context.state.get(STREAMING_KEY) === true || rc.request.configuration?.returnImmediately === true);
      try {
        if (stream) {
          const events = client.sendMessageStream(request, { signal: entry.abort.signal });
          for await (const event of withIdleTimeout(events, deps.timeoutMs, entry.abort)) relay.upstreamEvent(event);
        } else {
          // One timer on the execution's own controller (AbortSignal.any/timeout cost more per call).
          const timer = setTimeout(() => entry.abort.abort(new DOMException('agent timeout', 'TimeoutError')), deps.timeoutMs);
          const result = await client.sendMessage(request, { signal: entry.abort.signal }).finally(() => clearTimeout(timer));
          if ('messageId' in result) relay.reply(result);
          else relay.task(result);
        }
      } catch (err) {
        if (!(err instanceof A2AError)) upstream.invalidate(endpoint);
        throw err;
      }
      // A stream that ended without a final state: ask the agent once where the task stands.
      if (relay.hasTask && !relay.hasOutcome && entry.upstreamTaskId) {
        const t = await client.getTask({ tenant: '', id: entry.upstreamTaskId, historyLength: 0 }).catch(() => undefined);
        if (t && (isTerminal(t.status?.state) || isInterrupted(t.status?.state))) {
          relay.statusUpdate(entry.upstreamTaskId, t.contextId, t.status);
        }
      }
      if (!relay.hasTask && !relay.hasOutcome) relay.finish(TaskState.TASK_STATE_FAILED, 'The agent returned no result');
    } catch (err) {
      if (entry.canceled) {
        relay.finish(TaskState.TASK_STATE_CANCELED, 'Task canceled');
      } else {
        logger.warn({ err, taskId: rc.taskId, agentId: scope.agentId }, 'a2a: forwarding to the agent failed');
        relay.finish(TaskState.TASK_STATE_FAILED, describe(err, entry.abort.signal));
      }
    } finally {
      if (running.get(rc.taskId) === entry) running.delete(rc.taskId);
    }
  }

  /** Asks the agent to cancel (A2A §3.1.5) and publishes the outcome on the task's bus. */
  async function cancelTask(taskId: string, bus: ExecutionEventBus): Promise<void> {
    const entry = running.get(taskId);
    const link = await store.getUpstream(taskId, deps.context);
    const upstreamTaskId = entry?.upstreamTaskId ?? link?.taskId;
    if (deps.target && upstreamTaskId) {
      try {
        const { client } = await upstream.get(deps.target.endpoint);
        await client.cancelTask({ tenant: '', id: upstreamTaskId, metadata: undefined });
      } catch (err) {
        if (err instanceof TaskNotCancelableError) throw err;
        logger.warn({ err, taskId }, 'a2a: the agent did not confirm the cancel');
      }
    }
    if (entry) {
      entry.canceled = true;
      entry.relay!.finish(TaskState.TASK_STATE_CANCELED, 'Task canceled');
      // Give the agent a moment to close its stream, then stop listening.
      setTimeout(() => entry.abort.abort(), 5_000).unref();
      return;
    }
    // Not executing here (e.g. waiting for input): publish the final state ourselves.
    const task = await store.load(taskId, deps.context);
    const contextId = task?.contextId ?? '';
    bus.publish(
      AgentEvent.statusUpdate({
        taskId,
        contextId,
        status: { state: TaskState.TASK_STATE_CANCELED, message: agentText(taskId, contextId, 'Task canceled'), timestamp: new Date().toISOString() },
        metadata: undefined,
      }),
    );
  }

  return { execute, cancelTask };
}
