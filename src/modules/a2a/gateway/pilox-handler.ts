// The A2A request handler for one call: the SDK's DefaultRequestHandler, plus what a
// multi-replica gateway needs that the SDK cannot know (A2A §3.1.5, §3.1.6):
// - SubscribeToTask on a replica where the task is not executing follows the task's events
//   through Kv pub/sub (the executing replica fans them out);
// - CancelTask there asks the agent to cancel before recording the cancel.
import { TaskState, type AgentCard, type StreamResponse, type Task } from '@a2a-js/sdk';
import { RequestMalformedError, TaskNotCancelableError, TaskNotFoundError, UnsupportedOperationError } from '@a2a-js/sdk/errors';
import {
  AgentEvent,
  DefaultRequestHandler,
  type A2ARequestHandler,
  type AgentExecutor,
  type PushNotificationSender,
  type PushNotificationStore,
  type ServerCallContext,
} from '@a2a-js/sdk/server';
import type { Logger } from '../../../lib/logger.js';
import type { ResolvedAgent } from '../a2a.ports.js';
import type { PiloxTaskStore } from '../stores/task-store.js';
import type { FanOutBusManager } from './fan-out-bus.js';
import { isTerminal } from './relay.js';
import type { UpstreamClients } from './upstream.js';

/** How long a cross-replica subscriber waits for an event before re-reading the task. */
const REMOTE_IDLE_CHECK_MS = 15_000;

export interface PiloxHandlerDeps {
  card: AgentCard;
  extendedCard: (context: ServerCallContext) => Promise<AgentCard>;
  store: PiloxTaskStore;
  buses: FanOutBusManager;
  pushStore: PushNotificationStore;
  pushSender: PushNotificationSender;
  executor: AgentExecutor;
  target: ResolvedAgent | null;
  upstream: UpstreamClients;
  logger: Logger;
}

function requireTaskId(id: string | undefined): string {
  if (!id || id.trim() === '') throw new RequestMalformedError('Task ID is required');
  return id;
}

export function createPiloxRequestHandler(deps: PiloxHandlerDeps): A2ARequestHandler {
  const inner = new DefaultRequestHandler(
    deps.card,
    deps.store,
    deps.executor,
    deps.buses,
    deps.pushStore,
    deps.pushSender,
    deps.extendedCard,
  );

  async function* followRemote(taskId: string, context: ServerCallContext): AsyncGenerator<StreamResponse> {
    const events = await deps.buses.subscribe(taskId);
    try {
      // Subscribed before reading the snapshot, so no event falls between the two.
      const task = await deps.store.load(taskId, context);
      if (!task) throw new TaskNotFoundError(`Task not found: ${taskId}`);
      if (isTerminal(task.status?.state)) {
        throw new UnsupportedOperationError(`Task ${taskId} is in a terminal state and cannot be subscribed to.`);
      }
      yield { payload: { $case: 'task', value: task } };
      for (;;) {
        const next = await events.next(REMOTE_IDLE_CHECK_MS);
        if (next === 'finished') return;
        if (next === 'idle') {
          // The executing replica may be gone: end the stream once the stored task is final.
          const now: Task | undefined = await deps.store.load(taskId, context);
          if (!now) return;
          if (isTerminal(now.status?.state)) {
            yield { payload: { $case: 'statusUpdate', value: { taskId, contextId: now.contextId, status: now.status, metadata: undefined } } };
            return;
          }
          continue;
        }
        switch (next.kind) {
          case 'statusUpdate':
            yield { payload: { $case: 'statusUpdate', value: next.data } };
            if (isTerminal(next.data.status?.state) || next.data.status?.state === TaskState.TASK_STATE_INPUT_REQUIRED) return;
            break;
          case 'artifactUpdate':
            yield { payload: { $case: 'artifactUpdate', value: next.data } };
            break;
          case 'task':
            yield { payload: { $case: 'task', value: next.data } };
            break;
          case 'message':
            break; // as the SDK's local resubscribe: messages are not part of a task stream
        }
      }
    } finally {
      await events.close();
    }
  }

  const handler: A2ARequestHandler = {
    getAgentCard: () => inner.getAgentCard(),
    getAuthenticatedExtendedAgentCard: (p, c) => inner.getAuthenticatedExtendedAgentCard(p, c),
    sendMessage: (p, c) => inner.sendMessage(p, c),
    sendMessageStream: (p, c) => inner.sendMessageStream(p, c),
    getTask: (p, c) => inner.getTask(p, c),
    listTasks: (p, c) => inner.listTasks(p, c),
    createTaskPushNotificationConfig: (p, c) => inner.createTaskPushNotificationConfig(p, c),
    getTaskPushNotificationConfig: (p, c) => inner.getTaskPushNotificationConfig(p, c),
    listTaskPushNotificationConfigs: (p, c) => inner.listTaskPushNotificationConfigs(p, c),
    deleteTaskPushNotificationConfig: (p, c) => inner.deleteTaskPushNotificationConfig(p, c),

    async *resubscribe(params, context) {
      const taskId = requireTaskId(params.id);
      if (deps.buses.getByTaskId(taskId)) {
        yield* inner.resubscribe(params, context);
        return;
      }
      yield* followRemote(taskId, context);
    },

    async cancelTask(params, context) {
      const taskId = requireTaskId(params.id);
      if (deps.buses.getByTaskId(taskId)) return inner.cancelTask(params, context);
      const task = await deps.store.load(taskId, context);
      if (!task) throw new TaskNotFoundError(`Task not found: ${taskId}`);
      if (task.status?.state !== TaskState.TASK_STATE_CANCELED && !isTerminal(task.status?.state)) {
        const link = await deps.store.getUpstream(taskId, context);
        if (link && deps.target) {
          try {
            const { client } = await deps.upstream.get(deps.target.endpoint);
            await client.cancelTask({ tenant: '', id: link.taskId, metadata: undefined });
          } catch (err) {
            if (err instanceof TaskNotCancelableError) throw err;
            deps.logger.warn({ err, taskId }, 'a2a: the agent did not confirm the cancel');
          }
        }
      }
      const result = await inner.cancelTask(params, context);
      if (result.status?.state === TaskState.TASK_STATE_CANCELED) {
        // Subscribers on other replicas end their streams on this final state.
        await deps.buses
          .publishRemote(taskId, AgentEvent.statusUpdate({ taskId, contextId: result.contextId, status: result.status, metadata: undefined }))
          .catch((err) => deps.logger.warn({ err, taskId }, 'a2a: could not fan out a cancel'));
      }
      return result;
    },
  };
  return handler;
}
