// The Kv contract: every adapter must pass this suite (ARCHITECTURE rule 9).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withLock, LockTimeoutError, type Kv } from './kv.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function describeKvContract(name: string, open: () => Promise<Kv>) {
  describe(`Kv contract: ${name}`, () => {
    let kv: Kv;
    const key = (k: string) => `contract:${randomUUID()}:${k}`;

    beforeAll(async () => {
      kv = await open();
    });
    afterAll(async () => {
      await kv.close();
    });

    it('gets, sets and deletes strings', async () => {
      const k = key('s');
      expect(await kv.get(k)).toBeNull();
      expect(await kv.set(k, 'v1')).toBe(true);
      expect(await kv.get(k)).toBe('v1');
      expect(await kv.exists(k)).toBe(true);
      expect(await kv.del(k)).toBe(1);
      expect(await kv.del(k)).toBe(0);
      expect(await kv.exists(k)).toBe(false);
    });

    it('SET NX only sets a missing key', async () => {
      const k = key('nx');
      expect(await kv.set(k, 'first', { nx: true })).toBe(true);
      expect(await kv.set(k, 'second', { nx: true })).toBe(false);
      expect(await kv.get(k)).toBe('first');
    });

    it('expires keys after their TTL', async () => {
      const k = key('ttl');
      await kv.set(k, 'x', { ttlMs: 80 });
      const ttl = await kv.pttl(k);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(80);
      await sleep(150);
      expect(await kv.get(k)).toBeNull();
      expect(await kv.pttl(k)).toBe(-2);
      await kv.set(k, 'forever');
      expect(await kv.pttl(k)).toBe(-1);
      expect(await kv.expire(k, 60_000)).toBe(true);
      expect(await kv.expire(key('missing'), 1000)).toBe(false);
    });

    it('NX succeeds again once the previous value expired', async () => {
      const k = key('nx-ttl');
      expect(await kv.set(k, 'a', { nx: true, ttlMs: 50 })).toBe(true);
      await sleep(100);
      expect(await kv.set(k, 'b', { nx: true, ttlMs: 50 })).toBe(true);
    });

    it('increments atomically, with a TTL set on creation only', async () => {
      const k = key('incr');
      const results = await Promise.all(Array.from({ length: 50 }, () => kv.incr(k, { ttlMs: 10_000 })));
      expect(new Set(results).size).toBe(50);
      expect(Math.max(...results)).toBe(50);
      expect(await kv.incr(k, { by: 10 })).toBe(60);
      const ttl = await kv.pttl(k);
      expect(ttl).toBeGreaterThan(5_000);
      expect(ttl).toBeLessThanOrEqual(10_000);
    });

    it('stores hashes', async () => {
      const k = key('h');
      await kv.hset(k, { a: '1', b: '2' });
      expect(await kv.hget(k, 'a')).toBe('1');
      expect(await kv.hget(k, 'zz')).toBeNull();
      expect(await kv.hgetall(k)).toEqual({ a: '1', b: '2' });
      expect(await kv.hincrby(k, 'a', 5)).toBe(6);
      expect(await kv.hdel(k, 'a', 'nope')).toBe(1);
      expect(await kv.hgetall(k)).toEqual({ b: '2' });
      expect(await kv.hgetall(key('none'))).toEqual({});
    });

    it('keeps capped lists of the newest entries', async () => {
      const k = key('l');
      for (let i = 0; i < 7; i++) await kv.rpushCapped(k, String(i), 5);
      expect(await kv.lrange(k, 0, -1)).toEqual(['2', '3', '4', '5', '6']);
      expect(await kv.lrange(k, -2, -1)).toEqual(['5', '6']);
      expect(await kv.lrange(k, 1, 2)).toEqual(['3', '4']);
      expect(await kv.lrange(key('none'), 0, -1)).toEqual([]);
    });

    it('counts a sliding window and refuses past the limit', async () => {
      const k = key('win');
      const results = await Promise.all(Array.from({ length: 8 }, () => kv.slidingWindow(k, 5, 300)));
      expect(results.filter((r) => r.allowed)).toHaveLength(5);
      const refused = results.find((r) => !r.allowed)!;
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(300);
      await sleep(350);
      expect((await kv.slidingWindow(k, 5, 300)).allowed).toBe(true);
    });

    it('delivers pub/sub messages to every subscriber until unsubscribed', async () => {
      const channel = key('chan');
      const a: string[] = [];
      const b: string[] = [];
      const unA = await kv.subscribe(channel, (m, c) => {
        expect(c).toBe(channel);
        a.push(m);
      });
      const unB = await kv.subscribe(channel, (m) => b.push(m));
      await kv.publish(channel, 'one');
      await kv.publish(channel, 'two');
      await expect.poll(() => a.length).toBe(2);
      await expect.poll(() => b.length).toBe(2);
      expect(a).toEqual(['one', 'two']);
      await unA();
      await kv.publish(channel, 'three');
      await expect.poll(() => b.length).toBe(3);
      await sleep(50);
      expect(a).toEqual(['one', 'two']);
      await unB();
    });

    it('locks exclusively, releases only its own lock, and expires abandoned locks', async () => {
      const k = key('lock');
      const first = await kv.tryLock(k, 200);
      expect(first).not.toBeNull();
      expect(await kv.tryLock(k, 200)).toBeNull();
      expect(await first!.extend(300)).toBe(true);
      await first!.release();
      const second = await kv.tryLock(k, 60);
      expect(second).not.toBeNull();
      await sleep(120);
      // The abandoned lock expired; a new holder gets it and the old one cannot release it.
      const third = await kv.tryLock(k, 5_000);
      expect(third).not.toBeNull();
      expect(await second!.extend(1000)).toBe(false);
      await second!.release();
      expect(await kv.tryLock(k, 100)).toBeNull();
      await third!.release();
    });

    it('withLock serializes critical sections', async () => {
      const k = key('mutex');
      let inside = 0;
      let maxInside = 0;
      await Promise.all(
        Array.from({ length: 5 }, () =>
          withLock(kv, k, async () => {
            inside++;
            maxInside = Math.max(maxInside, inside);
            await sleep(20);
            inside--;
          }, { ttlMs: 2_000, waitMs: 5_000, retryMs: 5 }),
        ),
      );
      expect(maxInside).toBe(1);
      const held = await kv.tryLock(k, 5_000);
      await expect(withLock(kv, k, async () => 1, { waitMs: 100 })).rejects.toBeInstanceOf(LockTimeoutError);
      await held!.release();
    });

    it('answers ping', async () => {
      await expect(kv.ping()).resolves.toBeUndefined();
    });
  });
}
