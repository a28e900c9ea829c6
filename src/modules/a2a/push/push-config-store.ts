// Push-notification configs (A2A §3.1.7–3.1.10, §4.3), kept in the database whatever the task
// store, so a webhook registered on one replica is honoured by every replica. Each config
// remembers the wire version it was registered over: deliveries keep that body shape.
import { randomUUID } from 'node:crypto';
import { TaskPushNotificationConfig } from '@a2a-js/sdk';
import { RequestMalformedError } from '@a2a-js/sdk/errors';
import type { PushNotificationStore, ServerCallContext, StoredPushNotificationConfig } from '@a2a-js/sdk/server';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../../lib/db/database.js';
import type { Kv } from '../../../lib/kv/kv.js';
import { a2aPushConfigs } from '../a2a.tables.js';
import { scopeOf } from '../stores/task-store.js';

export const MAX_CONFIGS_PER_TASK = 10;
/** Set while a task has webhooks, so the sender skips the database for every other task. */
export const pushFlagKey = (taskId: string) => `hive:a2a:push:${taskId}`;

export interface PiloxPushStore extends PushNotificationStore {
  loadWithMetadata(taskId: string, context: ServerCallContext): Promise<StoredPushNotificationConfig[]>;
  /** Every config of a task, for delivery (the task's access was checked when it was registered). */
  loadForDelivery(taskId: string): Promise<StoredPushNotificationConfig[]>;
  findForDelivery(taskId: string, configId: string): Promise<TaskPushNotificationConfig | undefined>;
}

function validateUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RequestMalformedError('push notification url is not a valid URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new RequestMalformedError('push notification url must be http(s)');
  if (url.length > 2048) throw new RequestMalformedError('push notification url is longer than 2048 characters');
  if (u.username || u.password) throw new RequestMalformedError('push notification url must not embed credentials');
}

export function createPushConfigStore(deps: { db: Db; kv: Kv; flagTtlMs?: number }): PiloxPushStore {
  const { db, kv } = deps;

  function scoped(taskId: string, context: ServerCallContext) {
    const scope = scopeOf(context);
    const base = and(eq(a2aPushConfigs.taskId, taskId), eq(a2aPushConfigs.agentId, scope.agentId));
    return scope.admin ? base : and(base, eq(a2aPushConfigs.ownerId, scope.ownerId));
  }

  const toStored = (r: { config: unknown; wireVersion: string }): StoredPushNotificationConfig => ({
    config: TaskPushNotificationConfig.fromJSON(r.config),
    wireVersion: r.wireVersion,
  });

  const store: PiloxPushStore = {
    async save(taskId, context, config) {
      const scope = scopeOf(context);
      validateUrl(config.url);
      if ((config.token?.length ?? 0) > 4096 || (config.authentication?.credentials?.length ?? 0) > 4096) {
        throw new RequestMalformedError('push notification token or credentials are too long');
      }
      if (!config.id) config.id = randomUUID();
      if (config.id.length > 256) throw new RequestMalformedError('push notification config id is longer than 256 characters');
      config.taskId = taskId;
      const [existing] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(a2aPushConfigs)
        .where(eq(a2aPushConfigs.taskId, taskId));
      if ((existing?.n ?? 0) >= MAX_CONFIGS_PER_TASK) {
        const same = await db
          .select({ id: a2aPushConfigs.configId })
          .from(a2aPushConfigs)
          .where(and(eq(a2aPushConfigs.taskId, taskId), eq(a2aPushConfigs.configId, config.id)));
        if (same.length === 0) throw new RequestMalformedError(`a task has at most ${MAX_CONFIGS_PER_TASK} push notification configs`);
      }
      const row = {
        taskId,
        configId: config.id,
        agentId: scope.agentId,
        ownerId: scope.ownerId,
        config: TaskPushNotificationConfig.toJSON(config),
        wireVersion: context.requestedVersion === '1.0' ? '1.0' : '0.3',
      };
      await db
        .insert(a2aPushConfigs)
        .values(row)
        .onConflictDoUpdate({
          target: [a2aPushConfigs.taskId, a2aPushConfigs.configId],
          set: { config: row.config, wireVersion: row.wireVersion },
        });
      await kv.set(pushFlagKey(taskId), '1', deps.flagTtlMs ? { ttlMs: deps.flagTtlMs } : {});
    },
    async load(taskId, context) {
      return (await store.loadWithMetadata(taskId, context)).map((s) => s.config);
    },
    async loadWithMetadata(taskId, context) {
      const rows = await db
        .select({ config: a2aPushConfigs.config, wireVersion: a2aPushConfigs.wireVersion })
        .from(a2aPushConfigs)
        .where(scoped(taskId, context))
        .orderBy(a2aPushConfigs.createdAt);
      return rows.map(toStored);
    },
    async delete(taskId, context, configId) {
      const where = configId ? and(scoped(taskId, context), eq(a2aPushConfigs.configId, configId)) : scoped(taskId, context);
      await db.delete(a2aPushConfigs).where(where);
    },
    async loadForDelivery(taskId) {
      const rows = await db
        .select({ config: a2aPushConfigs.config, wireVersion: a2aPushConfigs.wireVersion })
        .from(a2aPushConfigs)
        .where(eq(a2aPushConfigs.taskId, taskId));
      return rows.map(toStored);
    },
    async findForDelivery(taskId, configId) {
      const rows = await db
        .select({ config: a2aPushConfigs.config })
        .from(a2aPushConfigs)
        .where(and(eq(a2aPushConfigs.taskId, taskId), eq(a2aPushConfigs.configId, configId)));
      return rows[0] ? TaskPushNotificationConfig.fromJSON(rows[0].config) : undefined;
    },
  };
  return store;
}
