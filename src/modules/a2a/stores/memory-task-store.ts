// In-process task store (A2A_TASK_STORE=memory): one Pilox process, tasks lost on restart.
// Tasks are kept as A2A JSON so every store has the same copy semantics.
import { Task } from '@a2a-js/sdk';
import type { ListTasksRequest, ListTasksResponse } from '@a2a-js/sdk';
import { TaskNotFoundError } from '@a2a-js/sdk/errors';
import type { ServerCallContext } from '@a2a-js/sdk/server';
import { selectPage, type TaskMeta } from './list-query.js';
import { scopeOf, statusMillis, type A2aScope, type PiloxTaskStore, type UpstreamIds } from './task-store.js';

interface Row extends TaskMeta {
  agentId: string;
  ownerId: string;
  json: string;
  upstream?: UpstreamIds;
  updatedAt: number;
}

export function visible(row: { agentId: string; ownerId: string }, scope: A2aScope): boolean {
  return row.agentId === scope.agentId && (row.ownerId === scope.ownerId || scope.admin);
}

export function createMemoryTaskStore(opts: { now?: () => number } = {}): PiloxTaskStore {
  const now = opts.now ?? Date.now;
  const rows = new Map<string, Row>();
  // (agent, owner, Pilox context) → the agent's context id, so lookups do not scan every task.
  const contexts = new Map<string, string>();
  const contextKey = (agentId: string, ownerId: string, contextId: string) => `${agentId}\0${ownerId}\0${contextId}`;

  function find(taskId: string, context: ServerCallContext): Row | undefined {
    const row = rows.get(taskId);
    return row && visible(row, scopeOf(context)) ? row : undefined;
  }

  return {
    kind: 'memory',
    async save(task, context) {
      const scope = scopeOf(context);
      const existing = rows.get(task.id);
      if (existing && !visible(existing, scope)) throw new TaskNotFoundError(`Task not found: ${task.id}`);
      const t = now();
      const upstream = scope.upstream ?? existing?.upstream;
      const ownerId = existing?.ownerId ?? scope.ownerId;
      if (upstream) contexts.set(contextKey(scope.agentId, ownerId, task.contextId), upstream.contextId);
      rows.set(task.id, {
        id: task.id,
        agentId: scope.agentId,
        ownerId,
        contextId: task.contextId,
        state: task.status?.state ?? 0,
        at: statusMillis(task.status?.timestamp, t),
        json: JSON.stringify(Task.toJSON(task)),
        upstream,
        updatedAt: t,
      });
    },
    async load(taskId, context) {
      const row = find(taskId, context);
      return row ? Task.fromJSON(JSON.parse(row.json)) : undefined;
    },
    async list(params: ListTasksRequest, context): Promise<ListTasksResponse> {
      const scope = scopeOf(context);
      const mine = [...rows.values()].filter((r) => visible(r, scope));
      const { page, totalSize, nextPageToken } = selectPage(mine, params);
      const tasks = page.map((r) => {
        const task = Task.fromJSON(JSON.parse(r.json));
        if (!params.includeArtifacts) task.artifacts = [];
        return task;
      });
      return { tasks, totalSize, nextPageToken, pageSize: params.pageSize ?? tasks.length };
    },
    async getUpstream(taskId, context) {
      return find(taskId, context)?.upstream;
    },
    async findUpstreamContextId(contextId, context) {
      const scope = scopeOf(context);
      return contexts.get(contextKey(scope.agentId, scope.ownerId, contextId));
    },
    async purgeUpdatedBefore(before) {
      let n = 0;
      for (const [id, r] of rows) {
        if (r.updatedAt < before.getTime()) {
          rows.delete(id);
          contexts.delete(contextKey(r.agentId, r.ownerId, r.contextId));
          n++;
        }
      }
      return n;
    },
    async close() {
      rows.clear();
    },
  };
}
