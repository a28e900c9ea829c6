// Relays what the agent's own A2A server sends into Pilox's execution bus, rewriting ids: the
// task and context ids clients see are Pilox's, the agent's ids are remembered beside the task
// (so an agent can neither guess nor collide with another caller's task). Keeps the stream
// well-formed (A2A §3.1.2): it starts with a Task or a Message and ends in a final state.
import { randomUUID } from 'node:crypto';
import { Role, TaskState, type Message, type StreamResponse, type Task, type TaskStatus } from '@a2a-js/sdk';
import { AgentEvent, type ExecutionEventBus, type RequestContext } from '@a2a-js/sdk/server';
import type { A2aScope } from '../stores/task-store.js';

const TERMINAL = new Set([
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
]);
const INTERRUPTED = new Set([TaskState.TASK_STATE_INPUT_REQUIRED, TaskState.TASK_STATE_AUTH_REQUIRED]);

export const isTerminal = (s: TaskState | undefined) => s !== undefined && TERMINAL.has(s);
export const isInterrupted = (s: TaskState | undefined) => s !== undefined && INTERRUPTED.has(s);

export function agentText(taskId: string, contextId: string, text: string): Message {
  return {
    messageId: randomUUID(),
    role: Role.ROLE_AGENT,
    taskId,
    contextId,
    parts: [{ content: { $case: 'text', value: text }, mediaType: 'text/plain', filename: '', metadata: undefined }],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

/** Shared by the relay and a cancel that arrives while the task runs on this replica. */
export interface RunningTask {
  upstreamTaskId?: string;
  /** Set once a final state was published: later agent events are dropped, not re-applied. */
  terminal: boolean;
  canceled: boolean;
  abort: AbortController;
  relay?: Relay;
}

export class Relay {
  private started: 'none' | 'task' | 'message' = 'none';
  lastState: TaskState | undefined;

  constructor(
    private readonly rc: RequestContext,
    private readonly bus: ExecutionEventBus,
    private readonly scope: A2aScope,
    private readonly running: RunningTask,
  ) {}

  get hasTask(): boolean {
    return this.started === 'task';
  }

  get hasOutcome(): boolean {
    return this.started === 'message' || this.running.terminal || isInterrupted(this.lastState);
  }

  private learn(upstreamTaskId: string, upstreamContextId: string): void {
    if (!upstreamTaskId || this.running.upstreamTaskId) return;
    this.running.upstreamTaskId = upstreamTaskId;
    // Persisted by the store with the task's next save (same request context).
    this.scope.upstream = { taskId: upstreamTaskId, contextId: upstreamContextId || this.rc.contextId };
  }

  private message(m: Message | undefined): Message | undefined {
    if (!m) return undefined;
    return { ...m, taskId: m.taskId ? this.rc.taskId : '', contextId: this.rc.contextId };
  }

  private status(s: TaskStatus | undefined): TaskStatus | undefined {
    return s && { ...s, message: this.message(s.message) };
  }

  private ensureTask(): void {
    if (this.started !== 'none') return;
    const task: Task = {
      id: this.rc.taskId,
      contextId: this.rc.contextId,
      status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: new Date().toISOString() },
      artifacts: [],
      history: [],
      metadata: undefined,
    };
    this.bus.publish(AgentEvent.task(task));
    this.started = 'task';
  }

  private track(state: TaskState | undefined): void {
    this.lastState = state;
    if (isTerminal(state)) this.running.terminal = true;
  }

  upstreamEvent(event: StreamResponse): void {
    const p = event.payload;
    if (!p) return;
    switch (p.$case) {
      case 'task':
        return this.task(p.value);
      case 'message':
        return this.reply(p.value);
      case 'statusUpdate':
        return this.statusUpdate(p.value.taskId, p.value.contextId, p.value.status, p.value.metadata);
      case 'artifactUpdate': {
        const a = p.value;
        this.learn(a.taskId, a.contextId);
        this.ensureTask();
        if (this.running.terminal || this.started !== 'task') return;
        this.bus.publish(
          AgentEvent.artifactUpdate({ ...a, taskId: this.rc.taskId, contextId: this.rc.contextId }),
        );
        return;
      }
    }
  }

  task(t: Task): void {
    this.learn(t.id, t.contextId);
    if (this.started === 'message' || this.running.terminal) return;
    this.bus.publish(
      AgentEvent.task({
        ...t,
        id: this.rc.taskId,
        contextId: this.rc.contextId,
        status: this.status(t.status),
        history: t.history.map((m) => this.message(m)!),
      }),
    );
    this.started = 'task';
    this.track(t.status?.state);
  }

  /** A direct Message answer (no task). After a Task it has no place in the stream. */
  reply(m: Message): void {
    if (this.started !== 'none') return;
    this.bus.publish(AgentEvent.message({ ...m, taskId: '', contextId: this.rc.contextId }));
    this.started = 'message';
  }

  statusUpdate(upTaskId: string, upContextId: string, status: TaskStatus | undefined, metadata?: Record<string, unknown>): void {
    this.learn(upTaskId, upContextId);
    this.ensureTask();
    if (this.running.terminal || this.started !== 'task') return;
    this.bus.publish(
      AgentEvent.statusUpdate({ taskId: this.rc.taskId, contextId: this.rc.contextId, status: this.status(status), metadata }),
    );
    this.track(status?.state);
  }

  /** Ends the task in `state` with an explanation (failures, cancels) unless it already ended. */
  finish(state: TaskState, text: string): void {
    this.ensureTask();
    if (this.running.terminal || this.started !== 'task') return;
    this.bus.publish(
      AgentEvent.statusUpdate({
        taskId: this.rc.taskId,
        contextId: this.rc.contextId,
        status: { state, message: agentText(this.rc.taskId, this.rc.contextId, text), timestamp: new Date().toISOString() },
        metadata: undefined,
      }),
    );
    this.track(state);
  }
}
