// The task-store port of the gateway: the SDK's TaskStore plus what forwarding needs (the ids
// the agent itself uses). Every implementation scopes by agent and owner, so a task is visible
// only to the identity that created it and to admins (A2A §3.3.2 / §13.1: others get
// TaskNotFound, existence is not revealed). One contract suite runs against all of them.
import type { ServerCallContext, TaskStore } from '@a2a-js/sdk/server';

export interface A2aScope {
  agentId: string;
  /** principalId() of the caller. */
  ownerId: string;
  /** Admins see (and may act on) every task of the agent. */
  admin: boolean;
  /** Set by the executor once the agent told us its ids; persisted with the next save. */
  upstream?: UpstreamIds;
}

export interface UpstreamIds {
  taskId: string;
  contextId: string;
}

const SCOPE_KEY = 'pilox.a2a.scope';

export function setScope(context: ServerCallContext, scope: A2aScope): void {
  context.state.set(SCOPE_KEY, scope);
}

export function scopeOf(context: ServerCallContext): A2aScope {
  const scope = context.state.get(SCOPE_KEY) as A2aScope | undefined;
  // A call without a scope is a programming error: refusing beats leaking another owner's task.
  if (!scope) throw new Error('A2A call context has no Pilox scope');
  return scope;
}

export interface PiloxTaskStore extends TaskStore {
  readonly kind: 'memory' | 'postgres' | 'redis';
  /** The agent's own ids for a Pilox task, when known. */
  getUpstream(taskId: string, context: ServerCallContext): Promise<UpstreamIds | undefined>;
  /** The agent's context id already used for this Pilox context, when any. */
  findUpstreamContextId(contextId: string, context: ServerCallContext): Promise<string | undefined>;
  /** Deletes tasks not updated since `before` (the Redis store expires keys on its own). */
  purgeUpdatedBefore(before: Date): Promise<number>;
  close(): Promise<void>;
}

/** Cursor of ListTasks: the last task of the previous page. */
export interface PageCursor {
  at: number;
  id: string;
}

export function encodePageToken(c: PageCursor): string {
  return Buffer.from(JSON.stringify([c.at, c.id])).toString('base64url');
}

export function decodePageToken(token: string): PageCursor | null {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string') return { at: v[0], id: v[1] };
  } catch {
    // fall through
  }
  return null;
}

/** Milliseconds of a task's status timestamp; agents send various formats, bad ones count as now. */
export function statusMillis(timestamp: string | undefined, fallback: number): number {
  if (!timestamp) return fallback;
  const t = Date.parse(timestamp);
  return Number.isFinite(t) ? t : fallback;
}
