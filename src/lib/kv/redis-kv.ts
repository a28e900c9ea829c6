// Kv over Redis (ioredis). Every key and channel gets `prefix` so several Pilox deployments
// (or test runs) can share one server. Multi-step operations are Lua scripts, so they are
// atomic across replicas; times inside scripts come from the Redis server clock.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Kv, Lock, MessageHandler, SlidingWindowResult } from './kv.js';

const SLIDING_WINDOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local retry = window
  if oldest[2] then retry = tonumber(oldest[2]) + window - now end
  if retry < 1 then retry = 1 end
  return {0, count, retry}
end
redis.call('ZADD', KEYS[1], now, now .. '-' .. ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return {1, count + 1, 0}`;

const INCR_WITH_TTL = `
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) > 0 and v == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return v`;

const RPUSH_CAPPED = `
local n = redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
if tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
if n > tonumber(ARGV[2]) then return tonumber(ARGV[2]) end
return n`;

const RELEASE_IF_OWNER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const EXTEND_IF_OWNER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

export interface RedisKvOptions {
  url: string;
  prefix?: string;
  /** Wait this long for the first connection before failing start-up. */
  connectTimeoutMs?: number;
}

export async function createRedisKv(opts: RedisKvOptions): Promise<Kv> {
  const prefix = opts.prefix ?? '';
  const redisOptions = {
    lazyConnect: true,
    connectTimeout: opts.connectTimeoutMs ?? 5_000,
    // Fail a command quickly while Redis is away, so callers answer 503 instead of hanging.
    maxRetriesPerRequest: 1,
    retryStrategy: (times: number) => Math.min(times * 200, 2_000),
  };
  const client = new Redis(opts.url, redisOptions);
  client.on('error', () => {}); // surfaced through failing commands and ping()
  await client.connect();

  let subscriber: Redis | undefined;
  const handlers = new Map<string, Set<MessageHandler>>();

  async function getSubscriber(): Promise<Redis> {
    if (subscriber) return subscriber;
    const s = client.duplicate({ ...redisOptions, maxRetriesPerRequest: null });
    s.on('error', () => {});
    s.on('message', (channel: string, message: string) => {
      const name = channel.slice(prefix.length);
      for (const h of handlers.get(name) ?? []) {
        try {
          h(message, name);
        } catch {
          // a faulty subscriber must not break delivery to the others
        }
      }
    });
    await s.connect();
    subscriber = s;
    return s;
  }

  const k = (key: string) => prefix + key;

  const kv: Kv = {
    kind: 'redis',
    async get(key) {
      return client.get(k(key));
    },
    async set(key, value, o = {}) {
      const args: (string | number)[] = [];
      if (o.ttlMs !== undefined) args.push('PX', Math.max(1, Math.ceil(o.ttlMs)));
      if (o.nx) args.push('NX');
      const res = await (client.set as (...a: unknown[]) => Promise<string | null>)(k(key), value, ...args);
      return res === 'OK';
    },
    async del(...keys) {
      if (keys.length === 0) return 0;
      return client.del(...keys.map(k));
    },
    async exists(key) {
      return (await client.exists(k(key))) === 1;
    },
    async incr(key, o = {}) {
      const res = await client.eval(INCR_WITH_TTL, 1, k(key), o.by ?? 1, Math.ceil(o.ttlMs ?? 0));
      return Number(res);
    },
    async expire(key, ttlMs) {
      return (await client.pexpire(k(key), Math.max(1, Math.ceil(ttlMs)))) === 1;
    },
    async pttl(key) {
      return client.pttl(k(key));
    },
    async hset(key, fields) {
      if (Object.keys(fields).length === 0) return;
      await client.hset(k(key), fields);
    },
    async hget(key, field) {
      return client.hget(k(key), field);
    },
    async hgetall(key) {
      return client.hgetall(k(key));
    },
    async hdel(key, ...fields) {
      if (fields.length === 0) return 0;
      return client.hdel(k(key), ...fields);
    },
    async hincrby(key, field, by) {
      return client.hincrby(k(key), field, by);
    },
    async rpushCapped(key, value, maxLen, ttlMs) {
      return Number(await client.eval(RPUSH_CAPPED, 1, k(key), value, maxLen, Math.ceil(ttlMs ?? 0)));
    },
    async lrange(key, start, stop) {
      return client.lrange(k(key), start, stop);
    },
    async slidingWindow(key, limit, windowMs): Promise<SlidingWindowResult> {
      const [allowed, count, retry] = (await client.eval(
        SLIDING_WINDOW,
        1,
        k(key),
        Math.ceil(windowMs),
        limit,
        randomUUID(),
      )) as [number, number, number];
      return { allowed: allowed === 1, count, limit, retryAfterMs: retry };
    },
    async publish(channel, message) {
      await client.publish(k(channel), message);
    },
    async subscribe(channel, handler) {
      const s = await getSubscriber();
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        await s.subscribe(k(channel));
      }
      const wrapped: MessageHandler = (m, c) => handler(m, c);
      set.add(wrapped);
      return async () => {
        const current = handlers.get(channel);
        if (!current) return;
        current.delete(wrapped);
        if (current.size === 0) {
          handlers.delete(channel);
          await s.unsubscribe(k(channel)).catch(() => {});
        }
      };
    },
    async tryLock(key, ttlMs): Promise<Lock | null> {
      const token = randomUUID();
      const ok = await kv.set(key, token, { nx: true, ttlMs });
      if (!ok) return null;
      return {
        key,
        token,
        async extend(ms) {
          return Number(await client.eval(EXTEND_IF_OWNER, 1, k(key), token, Math.ceil(ms))) === 1;
        },
        async release() {
          await client.eval(RELEASE_IF_OWNER, 1, k(key), token);
        },
      };
    },
    async ping() {
      await client.ping();
    },
    async close() {
      handlers.clear();
      await Promise.allSettled([client.quit(), subscriber?.quit()]);
    },
  };
  return kv;
}

/** Deletes every key under `prefix` (test clean-up; never used on a production prefix of ''). */
export async function deleteKeysWithPrefix(url: string, prefix: string): Promise<number> {
  if (!prefix) throw new Error('refusing to delete keys without a prefix');
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    await client.quit();
  }
  return deleted;
}
