import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { describeKvContract } from './kv.contract.js';
import { createMemoryKv } from './memory-kv.js';
import { createRedisKv, deleteKeysWithPrefix } from './redis-kv.js';

describeKvContract('memory', async () => createMemoryKv());

const redisUrl = inject('redisUrl');
// The real-server pass (TEST_REDIS_URL) runs this block; the embedded pass reports it skipped.
describe.skipIf(!redisUrl)('redis adapter (TEST_REDIS_URL)', () => {
  describeKvContract('redis', async () => {
    const prefix = `${inject('redisPrefix')}kv-${randomBytes(3).toString('hex')}:`;
    const kv = await createRedisKv({ url: redisUrl!, prefix });
    const close = kv.close.bind(kv);
    return Object.assign(kv, {
      async close() {
        await close();
        await deleteKeysWithPrefix(redisUrl!, prefix);
      },
    });
  });
});

describe('redis adapter start-up', () => {
  it('fails fast with a connection error when Redis is unreachable', async () => {
    await expect(createRedisKv({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 500 })).rejects.toThrow(/ECONNREFUSED|connect/i);
  });
});
