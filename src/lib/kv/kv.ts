// What Redis does for Pilox, as one port. Two adapters: ioredis (REDIS_URL set) and an
// in-process one for the zero-setup embedded mode. One contract suite runs against both.

export interface SetOptions {
  /** Expire after this many milliseconds. */
  ttlMs?: number;
  /** Only set when the key does not exist (SET NX). */
  nx?: boolean;
}

export interface SlidingWindowResult {
  allowed: boolean;
  /** Requests counted in the window, including this one when allowed. */
  count: number;
  limit: number;
  /** When not allowed: milliseconds until the oldest counted request leaves the window. */
  retryAfterMs: number;
}

export interface Lock {
  readonly key: string;
  readonly token: string;
  /** Pushes the expiry out; false when the lock was lost (expired and taken by another holder). */
  extend(ttlMs: number): Promise<boolean>;
  release(): Promise<void>;
}

export type MessageHandler = (message: string, channel: string) => void;

export interface Kv {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  /** Returns false only when `nx` was asked and the key already existed. */
  set(key: string, value: string, opts?: SetOptions): Promise<boolean>;
  del(...keys: string[]): Promise<number>;
  exists(key: string): Promise<boolean>;
  /** Increments (creating at 0); `ttlMs` is applied when the key is created by this call. */
  incr(key: string, opts?: { by?: number; ttlMs?: number }): Promise<number>;
  expire(key: string, ttlMs: number): Promise<boolean>;
  /** Remaining time to live in ms; -1 without expiry, -2 when the key does not exist. */
  pttl(key: string): Promise<number>;

  hset(key: string, fields: Record<string, string>): Promise<void>;
  hget(key: string, field: string): Promise<string | null>;
  hgetall(key: string): Promise<Record<string, string>>;
  hdel(key: string, ...fields: string[]): Promise<number>;
  hincrby(key: string, field: string, by: number): Promise<number>;

  /** Appends to a list and trims it to the newest `maxLen` entries (event logs, replays). */
  rpushCapped(key: string, value: string, maxLen: number, ttlMs?: number): Promise<number>;
  lrange(key: string, start: number, stop: number): Promise<string[]>;

  /** Counts one request in a sliding window of `windowMs`; refuses past `limit`. */
  slidingWindow(key: string, limit: number, windowMs: number): Promise<SlidingWindowResult>;

  publish(channel: string, message: string): Promise<void>;
  /** Resolves once the subscription is active; the returned function unsubscribes. */
  subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>>;

  /** A lock that expires on its own after `ttlMs` if its holder dies. Null when held elsewhere. */
  tryLock(key: string, ttlMs: number): Promise<Lock | null>;

  ping(): Promise<void>;
  close(): Promise<void>;
}

export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
  constructor(readonly key: string) {
    super(`timed out waiting for lock ${key}`);
  }
}

/**
 * Runs `fn` while holding `key`. Waits up to `waitMs` for the lock, and keeps extending it
 * while `fn` runs so long operations do not lose it.
 */
export async function withLock<T>(
  kv: Kv,
  key: string,
  fn: () => Promise<T>,
  opts: { ttlMs?: number; waitMs?: number; retryMs?: number } = {},
): Promise<T> {
  const ttlMs = opts.ttlMs ?? 30_000;
  const deadline = Date.now() + (opts.waitMs ?? 10_000);
  let lock = await kv.tryLock(key, ttlMs);
  while (!lock) {
    if (Date.now() >= deadline) throw new LockTimeoutError(key);
    await new Promise((r) => setTimeout(r, opts.retryMs ?? 25 + Math.random() * 50));
    lock = await kv.tryLock(key, ttlMs);
  }
  const held = lock;
  const keepAlive = setInterval(() => void held.extend(ttlMs).catch(() => {}), Math.max(ttlMs / 3, 100));
  try {
    return await fn();
  } finally {
    clearInterval(keepAlive);
    await held.release();
  }
}
