// A small in-process cache for hot authentication lookups (user state, API tokens), kept
// correct by invalidation: the writer drops its own entry synchronously and broadcasts the key
// on a Kv channel so other replicas drop theirs. A short TTL bounds staleness if a broadcast is
// lost (e.g. a Redis reconnect).
import type { Kv } from './kv/kv.js';
import type { Logger } from './logger.js';

const ALL = '*';

export interface InvalidatingCache<V> {
  get(key: string, load: () => Promise<V | null>): Promise<V | null>;
  /** Drops the key here and on every replica. */
  invalidate(key: string): Promise<void>;
  invalidateAll(): Promise<void>;
  /** Subscribes to invalidations from other replicas. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createInvalidatingCache<V>(deps: {
  kv: Kv;
  channel: string;
  ttlMs: number;
  maxEntries?: number;
  logger?: Logger;
}): InvalidatingCache<V> {
  const entries = new Map<string, { value: V; until: number }>();
  const maxEntries = deps.maxEntries ?? 10_000;
  // Bumped on every invalidation: a load that started before one must not store its result,
  // or it could re-insert the state the invalidation just removed.
  let epoch = 0;
  let unsubscribe: (() => Promise<void>) | undefined;

  function drop(key: string): void {
    epoch++;
    if (key === ALL) entries.clear();
    else entries.delete(key);
  }

  async function broadcast(key: string): Promise<void> {
    try {
      await deps.kv.publish(deps.channel, key);
    } catch (err) {
      deps.logger?.warn({ err, channel: deps.channel }, 'cache invalidation broadcast failed; other replicas rely on the TTL');
    }
  }

  return {
    async get(key, load) {
      const hit = entries.get(key);
      const now = Date.now();
      if (hit && hit.until > now) return hit.value;
      const startedAt = epoch;
      const value = await load();
      if (value !== null && startedAt === epoch) {
        if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
        entries.set(key, { value, until: now + deps.ttlMs });
      } else if (hit) {
        entries.delete(key);
      }
      return value;
    },
    async invalidate(key) {
      drop(key);
      await broadcast(key);
    },
    async invalidateAll() {
      drop(ALL);
      await broadcast(ALL);
    },
    async start() {
      unsubscribe ??= await deps.kv.subscribe(deps.channel, (key) => drop(key));
    },
    async stop() {
      const u = unsubscribe;
      unsubscribe = undefined;
      await u?.();
    },
  };
}
