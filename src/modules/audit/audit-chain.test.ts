import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, canonicalJson, rowHash, sanitizeMetadata } from './audit-chain.js';

const row = {
  id: 1,
  createdAt: new Date('2024-01-01T00:00:00.000Z'),
  action: 'auth.login',
  actorType: 'user',
  actorId: 'u1',
  actorEmail: 'a@example.com',
  targetType: null,
  targetId: null,
  outcome: 'success',
  ip: '10.0.0.1',
  metadata: { b: 1, a: { d: [1, 2], c: 'x' } },
};

describe('audit chain', () => {
  it('serialises objects independently of key order', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe(canonicalJson({ a: { c: 3, d: 2 }, b: 1 }));
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
  });

  it('changes the hash when any covered field or the previous hash changes', () => {
    const h = rowHash(GENESIS_HASH, row);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(rowHash(GENESIS_HASH, { ...row, metadata: { a: { c: 'x', d: [1, 2] }, b: 1 } })).toBe(h);
    expect(rowHash(GENESIS_HASH, { ...row, outcome: 'failure' })).not.toBe(h);
    expect(rowHash(GENESIS_HASH, { ...row, id: 2 })).not.toBe(h);
    expect(rowHash(h, row)).not.toBe(h);
  });

  it('sanitises metadata to plain, bounded JSON', () => {
    expect(sanitizeMetadata({ s: 'a\u0000b', d: new Date('2024-01-01T00:00:00Z'), u: undefined })).toEqual({
      s: 'ab',
      d: '2024-01-01T00:00:00.000Z',
    });
    expect(sanitizeMetadata({ big: 'x'.repeat(20_000) })).toEqual({ truncated: true, size: 20_010 });
    expect(sanitizeMetadata(undefined)).toEqual({});
  });
});
