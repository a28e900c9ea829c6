// Task store in Redis (A2A_TASK_STORE=redis, the default when REDIS_URL is set). Each task is a
// hash that expires A2A_TASK_TTL_SECONDS after its last update; per-owner and per-agent sorted
// sets (score = status time) index them for ListTasks. Writes are one Lua script, so the
// ownership check and the update are atomic across replicas. Keys live under REDIS_KEY_PREFIX.
import { Task } from '@a2a-js/sdk';
import type { ListTasksResponse } from '@a2a-js/sdk';
import { TaskNotFoundError } from '@a2a-js/sdk/errors';
import { Redis } from 'ioredis';
import { selectPage, type TaskMeta } from './list-query.js';
import { scopeOf, statusMillis, type A2aScope, type PiloxTaskStore } from './task-store.js';

// KEYS: task hash, owner index, agent index. ARGV: agent, owner, admin, ctx, state, at, json,
// utask, uctx, ttlMs, id, prefix of owner-index keys, context-link key prefix.
const SAVE = `
local cur = redis.call('HMGET', KEYS[1], 'agent', 'owner')
if cur[1] then
  if cur[1] ~= ARGV[1] then return 0 end
  if cur[2] ~= ARGV[2] and ARGV[3] ~= '1' then return 0 end
end
local owner = cur[2] or ARGV[2]
redis.call('HSET', KEYS[1], 'agent', ARGV[1], 'owner', owner, 'ctx', ARGV[4], 'state', ARGV[5], 'at', ARGV[6], 'json', ARGV[7])
if ARGV[8] ~= '' then redis.call('HSET', KEYS[1], 'utask', ARGV[8], 'uctx', ARGV[9]) end
local uctx = redis.call('HGET', KEYS[1], 'uctx')
local ownerIdx = KEYS[2]
if owner ~= ARGV[2] then ownerIdx = ARGV[12] .. owner end
redis.call('ZADD', ownerIdx, ARGV[6], ARGV[11])
redis.call('ZADD', KEYS[3], ARGV[6], ARGV[11])
local ttl = tonumber(ARGV[10])
local ctxKey = ARGV[13] .. owner .. ':' .. ARGV[4]
if uctx then redis.call('SET', ctxKey, uctx) end
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', ownerIdx, ttl)
  redis.call('PEXPIRE', KEYS[3], ttl)
  if uctx then redis.call('PEXPIRE', ctxKey, ttl) end
end
return 1`;

export interface RedisTaskStoreOptions {
  url: string;
  /** REDIS_KEY_PREFIX */
  prefix?: string;
  ttlSeconds: number;
}

export async function createRedisTaskStore(opts: RedisTaskStoreOptions): Promise<PiloxTaskStore & { client: Redis }> {
  const prefix = opts.prefix ?? '';
  const client = new Redis(opts.url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5_000 });
  client.on('error', () => {}); // surfaced through failing commands
  await client.connect();
  const ttlMs = opts.ttlSeconds * 1000;

  const taskKey = (id: string) => `${prefix}hive:a2a:task:${id}`;
  const ownerIdxPrefix = (agentId: string) => `${prefix}hive:a2a:idx:${agentId}:o:`;
  const agentIdx = (agentId: string) => `${prefix}hive:a2a:idx:${agentId}:all`;
  const ctxPrefix = (agentId: string) => `${prefix}hive:a2a:ctx:${agentId}:`;

  function visible(agent: string | null | undefined, owner: string | null | undefined, scope: A2aScope): boolean {
    return agent === scope.agentId && (owner === scope.ownerId || scope.admin);
  }

  async function loadRow(taskId: string, scope: A2aScope) {
    const [agent, owner, json, utask, uctx] = await client.hmget(taskKey(taskId), 'agent', 'owner', 'json', 'utask', 'uctx');
    if (!json || !visible(agent, owner, scope)) return undefined;
    return { json, utask, uctx };
  }

  return {
    kind: 'redis',
    client,
    async save(task, context) {
      const scope = scopeOf(context);
      const at = statusMillis(task.status?.timestamp, Date.now());
      const ok = await client.eval(
        SAVE,
        3,
        taskKey(task.id),
        ownerIdxPrefix(scope.agentId) + scope.ownerId,
        agentIdx(scope.agentId),
        scope.agentId,
        scope.ownerId,
        scope.admin ? '1' : '0',
        task.contextId,
        String(task.status?.state ?? 0),
        String(at),
        JSON.stringify(Task.toJSON(task)),
        scope.upstream?.taskId ?? '',
        scope.upstream?.contextId ?? '',
        String(ttlMs),
        task.id,
        ownerIdxPrefix(scope.agentId),
        ctxPrefix(scope.agentId),
      );
      if (Number(ok) !== 1) throw new TaskNotFoundError(`Task not found: ${task.id}`);
    },
    async load(taskId, context) {
      const row = await loadRow(taskId, scopeOf(context));
      return row ? Task.fromJSON(JSON.parse(row.json)) : undefined;
    },
    async list(params, context): Promise<ListTasksResponse> {
      const scope = scopeOf(context);
      const idx = scope.admin ? agentIdx(scope.agentId) : ownerIdxPrefix(scope.agentId) + scope.ownerId;
      const ids = await client.zrange(idx, 0, -1);
      const pipe = client.pipeline();
      for (const id of ids) pipe.hmget(taskKey(id), 'agent', 'owner', 'ctx', 'state', 'at');
      const results = ids.length > 0 ? ((await pipe.exec()) ?? []) : [];
      const metas: TaskMeta[] = [];
      const gone: string[] = [];
      results.forEach(([err, value], i) => {
        const [agent, owner, ctx, state, at] = (value ?? []) as (string | null)[];
        if (err || !agent) {
          gone.push(ids[i]!);
          return;
        }
        if (!visible(agent, owner ?? null, scope)) return;
        metas.push({ id: ids[i]!, contextId: ctx ?? '', state: Number(state), at: Number(at) });
      });
      // Expired tasks leave their index entries behind; drop them as they are found.
      if (gone.length > 0) await client.zrem(idx, ...gone);
      const { page, totalSize, nextPageToken } = selectPage(metas, params);
      const bodies = await Promise.all(page.map((m) => client.hget(taskKey(m.id), 'json')));
      const tasks = bodies.flatMap((json) => {
        if (!json) return [];
        const task = Task.fromJSON(JSON.parse(json));
        if (!params.includeArtifacts) task.artifacts = [];
        return [task];
      });
      return { tasks, totalSize, nextPageToken, pageSize: params.pageSize ?? tasks.length };
    },
    async getUpstream(taskId, context) {
      const row = await loadRow(taskId, scopeOf(context));
      return row?.utask && row.uctx ? { taskId: row.utask, contextId: row.uctx } : undefined;
    },
    async findUpstreamContextId(contextId, context) {
      const scope = scopeOf(context);
      return (await client.get(`${ctxPrefix(scope.agentId)}${scope.ownerId}:${contextId}`)) ?? undefined;
    },
    async purgeUpdatedBefore() {
      return 0; // keys expire on their own (A2A_TASK_TTL_SECONDS)
    },
    async close() {
      await client.quit().catch(() => {});
    },
  };
}
