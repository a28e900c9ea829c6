import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ciphertextKeyId,
  createSecretBox,
  DecryptionFailedError,
  InvalidCiphertextError,
  InvalidKeyError,
  keyIdOf,
  UnknownKeyError,
} from './secret-box.js';

const key = () => randomBytes(32).toString('hex');

describe('secret box', () => {
  const k1 = key();
  const box = createSecretBox({ current: k1 });

  it('round-trips text, including empty and non-ASCII values', () => {
    for (const text of ['', 's3cret', 'ünïcødé 🔑', 'x'.repeat(100_000)]) expect(box.decrypt(box.encrypt(text))).toBe(text);
  });

  it('writes v1.<keyId>.<iv>.<tag>.<ct> with a fresh IV each time', () => {
    const a = box.encrypt('same');
    const b = box.encrypt('same');
    expect(a).not.toBe(b);
    expect(a.split('.')).toHaveLength(5);
    expect(a.startsWith(`v1.${keyIdOf(k1)}.`)).toBe(true);
    expect(ciphertextKeyId(a)).toBe(box.currentKeyId);
    expect(Buffer.from(a.split('.')[2]!, 'base64url')).toHaveLength(12);
    expect(box.isCurrent(a)).toBe(true);
  });

  it('never passes plaintext or garbage through', () => {
    for (const bad of ['s3cret', '', 'v1.', 'v1.abc.def.ghi.jkl', 'v2.AAAAAAAA.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.AA', 42 as unknown as string]) {
      expect(() => box.decrypt(bad)).toThrow(InvalidCiphertextError);
    }
  });

  it('detects tampering with the data, the tag or the key id', () => {
    const c = box.encrypt('payload');
    const [v, id, iv, tag, ct] = c.split('.') as [string, string, string, string, string];
    const flip = (s: string) => Buffer.from(Buffer.from(s, 'base64url').map((b, i) => (i === 0 ? b ^ 1 : b))).toString('base64url');
    expect(() => box.decrypt([v, id, iv, tag, flip(ct)].join('.'))).toThrow(DecryptionFailedError);
    expect(() => box.decrypt([v, id, iv, flip(tag), ct].join('.'))).toThrow(DecryptionFailedError);
    expect(() => box.decrypt([v, id, flip(iv), tag, ct].join('.'))).toThrow(DecryptionFailedError);
    expect(() => box.decrypt([v, 'AAAAAAAA', iv, tag, ct].join('.'))).toThrow(UnknownKeyError);
  });

  it('refuses a value from another key with a typed error', () => {
    const other = createSecretBox({ current: key() });
    const err = (() => {
      try {
        box.decrypt(other.encrypt('x'));
      } catch (e) {
        return e;
      }
    })() as UnknownKeyError;
    expect(err).toBeInstanceOf(UnknownKeyError);
    expect(err.code).toBe('SECRET_KEY_UNKNOWN');
    expect(err.keyId).toBe(other.currentKeyId);
  });

  it('decrypts with previous keys and encrypts with the current one', () => {
    const k2 = key();
    const old = box.encrypt('rotate me');
    const ring = createSecretBox({ current: k2, previous: [k1] });
    expect(ring.decrypt(old)).toBe('rotate me');
    expect(ring.isCurrent(old)).toBe(false);
    expect(ciphertextKeyId(ring.encrypt('new'))).toBe(keyIdOf(k2));
    expect(ring.keyIds).toEqual([keyIdOf(k2), keyIdOf(k1)]);
    expect(() => box.decrypt(ring.encrypt('new'))).toThrow(UnknownKeyError);
  });

  it('refuses malformed keys', () => {
    expect(() => createSecretBox({ current: 'abc' })).toThrow(InvalidKeyError);
    expect(() => createSecretBox({ current: k1, previous: ['zz'] })).toThrow(/previous key #1/);
  });
});
