import type { Kv } from './kv.js';
import { createMemoryKv } from './memory-kv.js';
import { createRedisKv } from './redis-kv.js';

export type { Kv, Lock, SetOptions, SlidingWindowResult, MessageHandler } from './kv.js';
export { withLock, LockTimeoutError } from './kv.js';

/** Redis when a URL is configured, the in-process store otherwise (embedded mode). */
export async function openKv(opts: { url?: string; prefix?: string }): Promise<Kv> {
  return opts.url ? createRedisKv({ url: opts.url, prefix: opts.prefix }) : createMemoryKv();
}
