// Picks the task store A2A_TASK_STORE names (spec §10: redis by default when REDIS_URL is set).
import type { Config } from '../../../config.js';
import type { Db } from '../../../lib/db/database.js';
import { createMemoryTaskStore } from './memory-task-store.js';
import { createPostgresTaskStore } from './postgres-task-store.js';
import { createRedisTaskStore } from './redis-task-store.js';
import type { PiloxTaskStore } from './task-store.js';

export async function openTaskStore(
  config: Pick<Config, 'A2A_TASK_STORE' | 'A2A_TASK_TTL_SECONDS' | 'REDIS_URL' | 'REDIS_KEY_PREFIX'>,
  db: Db,
): Promise<PiloxTaskStore> {
  switch (config.A2A_TASK_STORE) {
    case 'memory':
      return createMemoryTaskStore();
    case 'postgres':
      return createPostgresTaskStore({ db });
    case 'redis':
      // config.ts already refused A2A_TASK_STORE=redis without REDIS_URL.
      return createRedisTaskStore({ url: config.REDIS_URL!, prefix: config.REDIS_KEY_PREFIX, ttlSeconds: config.A2A_TASK_TTL_SECONDS });
  }
}
