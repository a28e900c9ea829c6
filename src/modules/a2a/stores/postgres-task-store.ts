// Task store in the database (A2A_TASK_STORE=postgres; also PGlite in the embedded mode).
// Ownership is enforced in SQL: an update only applies to a row of the same agent whose owner
// is the caller (or any owner for admins), and never changes the owner.
import { Task } from '@a2a-js/sdk';
import type { ListTasksResponse } from '@a2a-js/sdk';
import { RequestMalformedError, TaskNotFoundError } from '@a2a-js/sdk/errors';
import { and, count, desc, eq, gt, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../../lib/db/database.js';
import { a2aTasks } from '../a2a.tables.js';
import { DEFAULT_PAGE_SIZE } from './list-query.js';
import { decodePageToken, encodePageToken, scopeOf, statusMillis, type A2aScope, type PiloxTaskStore } from './task-store.js';

function visibleTo(scope: A2aScope): SQL {
  const agent = eq(a2aTasks.agentId, scope.agentId);
  return scope.admin ? agent : and(agent, eq(a2aTasks.ownerId, scope.ownerId))!;
}

export function createPostgresTaskStore(deps: { db: Db }): PiloxTaskStore {
  const { db } = deps;

  return {
    kind: 'postgres',
    async save(task, context) {
      const scope = scopeOf(context);
      const statusAt = new Date(statusMillis(task.status?.timestamp, Date.now()));
      const values = {
        id: task.id,
        agentId: scope.agentId,
        ownerId: scope.ownerId,
        contextId: task.contextId,
        state: task.status?.state ?? 0,
        statusAt,
        task: Task.toJSON(task),
        upstreamTaskId: scope.upstream?.taskId ?? null,
        upstreamContextId: scope.upstream?.contextId ?? null,
      };
      const rows = await db
        .insert(a2aTasks)
        .values(values)
        .onConflictDoUpdate({
          target: a2aTasks.id,
          set: {
            contextId: values.contextId,
            state: values.state,
            statusAt,
            task: values.task,
            upstreamTaskId: sql`coalesce(excluded.upstream_task_id, ${a2aTasks.upstreamTaskId})`,
            upstreamContextId: sql`coalesce(excluded.upstream_context_id, ${a2aTasks.upstreamContextId})`,
            updatedAt: sql`now()`,
          },
          setWhere: scope.admin
            ? sql`${a2aTasks.agentId} = excluded.agent_id`
            : sql`${a2aTasks.agentId} = excluded.agent_id and ${a2aTasks.ownerId} = excluded.owner_id`,
        })
        .returning({ id: a2aTasks.id });
      if (rows.length === 0) throw new TaskNotFoundError(`Task not found: ${task.id}`);
    },
    async load(taskId, context) {
      const scope = scopeOf(context);
      const rows = await db
        .select({ task: a2aTasks.task })
        .from(a2aTasks)
        .where(and(eq(a2aTasks.id, taskId), visibleTo(scope)))
        .limit(1);
      return rows[0] ? Task.fromJSON(rows[0].task) : undefined;
    },
    async list(params, context): Promise<ListTasksResponse> {
      const scope = scopeOf(context);
      const filters: SQL[] = [visibleTo(scope)];
      if (params.contextId) filters.push(eq(a2aTasks.contextId, params.contextId));
      if (params.status) filters.push(eq(a2aTasks.state, params.status));
      if (params.statusTimestampAfter) filters.push(gt(a2aTasks.statusAt, new Date(params.statusTimestampAfter)));
      const where = and(...filters);
      const pageSize = params.pageSize ?? DEFAULT_PAGE_SIZE;
      let pageWhere = where;
      if (params.pageToken) {
        const cursor = decodePageToken(params.pageToken);
        if (!cursor) throw new RequestMalformedError('pageToken is not valid');
        const at = new Date(cursor.at);
        pageWhere = and(where, or(lt(a2aTasks.statusAt, at), and(eq(a2aTasks.statusAt, at), lt(a2aTasks.id, cursor.id))));
      }
      const [rows, total] = await Promise.all([
        db
          .select({ task: a2aTasks.task, id: a2aTasks.id, statusAt: a2aTasks.statusAt })
          .from(a2aTasks)
          .where(pageWhere)
          .orderBy(desc(a2aTasks.statusAt), desc(a2aTasks.id))
          .limit(pageSize + 1),
        db.select({ n: count() }).from(a2aTasks).where(where),
      ]);
      const page = rows.slice(0, pageSize);
      const last = page[page.length - 1];
      const tasks = page.map((r) => {
        const task = Task.fromJSON(r.task);
        if (!params.includeArtifacts) task.artifacts = [];
        return task;
      });
      return {
        tasks,
        totalSize: Number(total[0]?.n ?? 0),
        pageSize,
        nextPageToken: rows.length > pageSize && last ? encodePageToken({ at: last.statusAt.getTime(), id: last.id }) : '',
      };
    },
    async getUpstream(taskId, context) {
      const rows = await db
        .select({ taskId: a2aTasks.upstreamTaskId, contextId: a2aTasks.upstreamContextId })
        .from(a2aTasks)
        .where(and(eq(a2aTasks.id, taskId), visibleTo(scopeOf(context))))
        .limit(1);
      const r = rows[0];
      return r?.taskId && r.contextId ? { taskId: r.taskId, contextId: r.contextId } : undefined;
    },
    async findUpstreamContextId(contextId, context) {
      const scope = scopeOf(context);
      const rows = await db
        .select({ contextId: a2aTasks.upstreamContextId })
        .from(a2aTasks)
        .where(
          and(
            eq(a2aTasks.agentId, scope.agentId),
            eq(a2aTasks.ownerId, scope.ownerId),
            eq(a2aTasks.contextId, contextId),
            sql`${a2aTasks.upstreamContextId} is not null`,
          ),
        )
        .limit(1);
      return rows[0]?.contextId ?? undefined;
    },
    async purgeUpdatedBefore(before) {
      const rows = await db.delete(a2aTasks).where(lt(a2aTasks.updatedAt, before)).returning({ id: a2aTasks.id });
      return rows.length;
    },
    async close() {},
  };
}
