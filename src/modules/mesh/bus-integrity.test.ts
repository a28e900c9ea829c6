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
    // A sidecar signing per the documented input but serializing in its own key order.
    const meta = { v: 1 as const, producer: 'sidecar', eventId: 'e-9', ts: 'now' };
    const sidecar = { type: 'sidecar', meshMeta: meta, data: { b: 1, a: [1, { z: 1, y: 2 }] } };
    await kv.publish('ch', JSON.stringify({ ...sidecar, meshSig: meshSignature(SECRET, 'ch', sidecar) }));
    // Our wire shape with the signature of another channel.
    const moved = await bus.publish('elsewhere', 'moved', {});
    await kv.publish('ch', JSON.stringify(moved));
    await expect.poll(() => rejected.length).toBe(4);
    expect(seen.map((e) => e.type)).toEqual(['good', 'sidecar']);
    expect(rejected.sort()).toEqual(['bad_signature', 'bad_signature', 'bad_signature', 'unsigned']);
    await kv.close();
  });
});

describe('canonicalJson', () => {
  it('matches JSON.stringify of a key-sorted copy on awkward values', () => {
    const sortDeep = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(sortDeep)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortDeep((v as Record<string, unknown>)[k])]))
          : v;
    const samples: unknown[] = [
      { 'quo"te': 'a\\b', nl: 'x\ny', uni: 'héllo ✓', ctrl: '\u0001', long: 'z'.repeat(300) },
      { n: [1, -0, 1.5e300, NaN, Infinity], b: [true, false, null], u: [undefined, () => 1], d: new Date(0) },
      { nested: { b: { d: 1, c: [{ y: 1, x: 2 }] }, a: '' }, empty: {}, arr: [] },
      'top', 42, null,
    ];
    for (const v of samples) expect(canonicalJson(v)).toBe(JSON.stringify(sortDeep(JSON.parse(JSON.stringify(v)))));
  });
});
