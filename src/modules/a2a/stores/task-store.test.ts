import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../../../../test/helpers/stores.js';
import { deleteKeysWithPrefix } from '../../../lib/kv/redis-kv.js';
import { createMemoryTaskStore } from './memory-task-store.js';
import { createPostgresTaskStore } from './postgres-task-store.js';
import { createRedisTaskStore } from './redis-task-store.js';
import { ctxFor, describeTaskStoreContract, makeTask } from './task-store.contract.js';

describeTaskStoreContract('memory', async () => createMemoryTaskStore());

describeTaskStoreContract(inject('pgAdminUrl') ? 'postgres' : 'postgres (PGlite)', async () => {
  const database = await createTestDatabase();
  const store = createPostgresTaskStore({ db: database.db });
  return { ...store, close: () => database.close() };
});

const redisUrl = inject('redisUrl');
describe.skipIf(!redisUrl)('redis task store (TEST_REDIS_URL)', () => {
  const prefix = `${inject('redisPrefix')}ts-${randomBytes(3).toString('hex')}:`;
  describeTaskStoreContract('redis', async () => {
    const store = await createRedisTaskStore({ url: redisUrl!, prefix, ttlSeconds: 3600 });
    return {
      ...store,
      async close() {
        await store.close();
        await deleteKeysWithPrefix(redisUrl!, prefix);
      },
    };
  });

  it('expires tasks after A2A_TASK_TTL_SECONDS', async () => {
    const p = `${prefix}ttl:`;
    const store = await createRedisTaskStore({ url: redisUrl!, prefix: p, ttlSeconds: 120 });
    try {
      const task = makeTask();
      await store.save(task, ctxFor({ agentId: 'a', ownerId: 'o', admin: false }));
      const ttl = await store.client.pttl(`${p}hive:a2a:task:${task.id}`);
      expect(ttl).toBeGreaterThan(100_000);
      expect(ttl).toBeLessThanOrEqual(120_000);
    } finally {
      await store.close();
      await deleteKeysWithPrefix(redisUrl!, p);
    }
  });
});

describe('task purge', () => {
  it('memory and postgres stores delete tasks not updated since a date', async () => {
    const database = await createTestDatabase();
    try {
      for (const store of [createMemoryTaskStore(), createPostgresTaskStore({ db: database.db })]) {
        const c = ctxFor({ agentId: 'a', ownerId: 'o', admin: false });
        const task = makeTask();
        await store.save(task, c);
        expect(await store.purgeUpdatedBefore(new Date(Date.now() - 60_000))).toBe(0);
        expect(await store.purgeUpdatedBefore(new Date(Date.now() + 60_000))).toBeGreaterThanOrEqual(1);
        expect(await store.load(task.id, c)).toBeUndefined();
      }
    } finally {
      await database.close();
    }
  });
});
