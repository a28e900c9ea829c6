import { describe, expect, it } from 'vitest';
import { createMemoryKv } from '../../lib/kv/memory-kv.js';
import { createEventBus, type BusEvent } from '../../lib/events/event-bus.js';
import { canonicalJson, createHmacBusIntegrity, meshSignature } from './bus-integrity.js';

const SECRET = 'bus-secret-for-unit-tests-0123456789abcdef';

describe('meshSig', () => {
  it('serializes canonically: key order does not matter, array order does', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
    expect(canonicalJson({ a: { c: null, d: [2, 1] }, b: 1 })).toBe(canonicalJson({ b: 1, a: { d: [2, 1], c: null } }));
    expect(canonicalJson({ a: undefined, b: 'x' })).toBe('{"b":"x"}');
  });

  it('binds the channel, the type, the data and the meta', () => {
    const event = { type: 't', data: { n: 1 }, meshMeta: { v: 1 as const, producer: 'p', eventId: 'e', ts: 'now' } };
    const sig = meshSignature(SECRET, 'c1', event);
    expect(meshSignature(SECRET, 'c2', event)).not.toBe(sig);
    expect(meshSignature(SECRET, 'c1', { ...event, data: { n: 2 } })).not.toBe(sig);
    expect(meshSignature(SECRET, 'c1', { ...event, meshMeta: { ...event.meshMeta, producer: 'q' } })).not.toBe(sig);
    expect(meshSignature('another-secret-0123456789abcdef0123', 'c1', event)).not.toBe(sig);
  });

  it('subscribers deliver signed events and drop unsigned, forged and foreign-key ones', async () => {
    const kv = createMemoryKv();
    const rejected: string[] = [];
    const integrity = createHmacBusIntegrity({ secret: SECRET, onRejected: (_c, reason) => rejected.push(reason) });
    const bus = createEventBus({ kv, producer: 'a', integrity });
    const other = createEventBus({ kv, producer: 'b', integrity: createHmacBusIntegrity({ secret: `${SECRET}-other` }) });
    const plain = createEventBus({ kv, producer: 'c' });
    const seen: BusEvent[] = [];
    await bus.subscribe('ch', (e) => {
      seen.push(e);
    });
    await plain.publish('ch', 'unsigned', {});
    await other.publish('ch', 'foreign', {});
    const good = await bus.publish('ch', 'good', { x: 1 });
    const forged = { ...good, data: { x: 2 } };
    await kv.publish('ch', JSON.stringify(forged));
    await expect.poll(() => rejected.length).toBe(3);
    expect(seen.map((e) => e.type)).toEqual(['good']);
    expect(rejected.sort()).toEqual(['bad_signature', 'bad_signature', 'unsigned']);
    await kv.close();
  });
});
