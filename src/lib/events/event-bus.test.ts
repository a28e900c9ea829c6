import { describe, expect, it } from 'vitest';
import { createMemoryKv } from '../kv/memory-kv.js';
import { createEventBus, type BusEvent } from './event-bus.js';

describe('event bus', () => {
  it('delivers events with meshMeta to subscribers and drops foreign messages', async () => {
    const kv = createMemoryKv();
    const bus = createEventBus({ kv, producer: 'test-node' });
    const seen: BusEvent[] = [];
    const off = await bus.subscribe('hive:system:events', (e) => {
      seen.push(e);
    });
    await kv.publish('hive:system:events', 'not json');
    await kv.publish('hive:system:events', JSON.stringify({ hello: 1 }));
    const sent = await bus.publish('hive:system:events', 'test.happened', { n: 1 }, { correlationId: 'req-1' });
    await expect.poll(() => seen.length).toBe(1);
    expect(seen[0]).toEqual(sent);
    expect(seen[0]!.meshMeta).toMatchObject({ v: 1, producer: 'test-node', correlationId: 'req-1' });
    await off();
    await kv.close();
  });
});
