// In-process Kv for the embedded mode (one Pilox process, no Redis). Semantics follow Redis:
// expiry is checked lazily on access and swept periodically so memory does not grow.
import { randomUUID } from 'node:crypto';
import type { Kv, Lock, MessageHandler, SetOptions, SlidingWindowResult } from './kv.js';

type Entry =
  | { type: 'string'; value: string; expiresAt?: number }
  | { type: 'hash'; value: Map<string, string>; expiresAt?: number }
  | { type: 'list'; value: string[]; expiresAt?: number }
  | { type: 'window'; value: number[]; expiresAt?: number };

export class WrongTypeError extends Error {
  constructor(key: string) {
    super(`WRONGTYPE Operation against a key holding the wrong kind of value: ${key}`);
  }
}

export function createMemoryKv(opts: { now?: () => number; sweepMs?: number } = {}): Kv {
  const now = opts.now ?? Date.now;
  const store = new Map<string, Entry>();
  const channels = new Map<string, Set<MessageHandler>>();
  let closed = false;

  const sweep = setInterval(() => {
    const t = now();
    for (const [k, e] of store) if (e.expiresAt !== undefined && e.expiresAt <= t) store.delete(k);
  }, opts.sweepMs ?? 30_000);
  sweep.unref();

  function live(key: string): Entry | undefined {
    const e = store.get(key);
    if (e && e.expiresAt !== undefined && e.expiresAt <= now()) {
      store.delete(key);
      return undefined;
    }
    return e;
  }

  function typed<T extends Entry['type']>(key: string, type: T): Extract<Entry, { type: T }> | undefined {
    const e = live(key);
    if (e && e.type !== type) throw new WrongTypeError(key);
    return e as Extract<Entry, { type: T }> | undefined;
  }

  function assertOpen(): void {
    if (closed) throw new Error('Kv is closed');
  }

  const kv: Kv = {
    kind: 'memory',
    async get(key) {
      assertOpen();
      return typed(key, 'string')?.value ?? null;
    },
    async set(key, value, o: SetOptions = {}) {
      assertOpen();
      if (o.nx && live(key)) return false;
      store.set(key, { type: 'string', value, expiresAt: o.ttlMs !== undefined ? now() + o.ttlMs : undefined });
      return true;
    },
    async del(...keys) {
      let n = 0;
      for (const k of keys) if (live(k) && store.delete(k)) n++;
      return n;
    },
    async exists(key) {
      return live(key) !== undefined;
    },
    async incr(key, o = {}) {
      assertOpen();
      const e = typed(key, 'string');
      const current = e ? Number(e.value) : 0;
      if (!Number.isInteger(current)) throw new Error('ERR value is not an integer or out of range');
      const next = current + (o.by ?? 1);
      store.set(key, {
        type: 'string',
        value: String(next),
        expiresAt: e ? e.expiresAt : o.ttlMs !== undefined ? now() + o.ttlMs : undefined,
      });
      return next;
    },
    async expire(key, ttlMs) {
      const e = live(key);
      if (!e) return false;
      e.expiresAt = now() + ttlMs;
      return true;
    },
    async pttl(key) {
      const e = live(key);
      if (!e) return -2;
      return e.expiresAt === undefined ? -1 : Math.max(0, e.expiresAt - now());
    },
    async hset(key, fields) {
      assertOpen();
      let e = typed(key, 'hash');
      if (!e) {
        e = { type: 'hash', value: new Map() };
        store.set(key, e);
      }
      for (const [f, v] of Object.entries(fields)) e.value.set(f, v);
    },
    async hget(key, field) {
      return typed(key, 'hash')?.value.get(field) ?? null;
    },
    async hgetall(key) {
      return Object.fromEntries(typed(key, 'hash')?.value ?? []);
    },
    async hdel(key, ...fields) {
      const e = typed(key, 'hash');
      if (!e) return 0;
      let n = 0;
      for (const f of fields) if (e.value.delete(f)) n++;
      if (e.value.size === 0) store.delete(key);
      return n;
    },
    async hincrby(key, field, by) {
      let e = typed(key, 'hash');
      if (!e) {
        e = { type: 'hash', value: new Map() };
        store.set(key, e);
      }
      const next = Number(e.value.get(field) ?? '0') + by;
      e.value.set(field, String(next));
      return next;
    },
    async rpushCapped(key, value, maxLen, ttlMs) {
      assertOpen();
      let e = typed(key, 'list');
      if (!e) {
        e = { type: 'list', value: [] };
        store.set(key, e);
      }
      e.value.push(value);
      if (e.value.length > maxLen) e.value.splice(0, e.value.length - maxLen);
      if (ttlMs !== undefined) e.expiresAt = now() + ttlMs;
      return e.value.length;
    },
    async lrange(key, start, stop) {
      const list = typed(key, 'list')?.value ?? [];
      const len = list.length;
      const s = start < 0 ? Math.max(len + start, 0) : start;
      const e = stop < 0 ? len + stop : Math.min(stop, len - 1);
      return s > e ? [] : list.slice(s, e + 1);
    },
    async slidingWindow(key, limit, windowMs): Promise<SlidingWindowResult> {
      assertOpen();
      const t = now();
      let e = typed(key, 'window');
      if (!e) {
        e = { type: 'window', value: [] };
        store.set(key, e);
      }
      const hits = e.value.filter((ts) => ts > t - windowMs);
      e.value = hits;
      e.expiresAt = t + windowMs;
      if (hits.length >= limit) {
        return { allowed: false, count: hits.length, limit, retryAfterMs: Math.max(1, hits[0]! + windowMs - t) };
      }
      hits.push(t);
      return { allowed: true, count: hits.length, limit, retryAfterMs: 0 };
    },
    async publish(channel, message) {
      assertOpen();
      const subs = channels.get(channel);
      if (!subs) return;
      // Asynchronous like Redis: a publisher never runs subscriber code on its own stack.
      for (const h of [...subs]) queueMicrotask(() => h(message, channel));
    },
    async subscribe(channel, handler) {
      assertOpen();
      let subs = channels.get(channel);
      if (!subs) {
        subs = new Set();
        channels.set(channel, subs);
      }
      const wrapped: MessageHandler = (m, c) => handler(m, c);
      subs.add(wrapped);
      return async () => {
        subs.delete(wrapped);
        if (subs.size === 0) channels.delete(channel);
      };
    },
    async tryLock(key, ttlMs): Promise<Lock | null> {
      assertOpen();
      const token = randomUUID();
      const ok = await kv.set(key, token, { nx: true, ttlMs });
      if (!ok) return null;
      const owned = () => typed(key, 'string')?.value === token;
      return {
        key,
        token,
        async extend(ms) {
          if (!owned()) return false;
          return kv.expire(key, ms);
        },
        async release() {
          if (owned()) store.delete(key);
        },
      };
    },
    async ping() {
      assertOpen();
    },
    async close() {
      closed = true;
      clearInterval(sweep);
      channels.clear();
      store.clear();
    },
  };
  return kv;
}
