import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox } from './secret-box.js';

describe('secret box', () => {
  const box = createSecretBox(randomBytes(32).toString('hex'));

  it('round-trips and uses a fresh IV each time', () => {
    const a = box.encrypt('JBSWY3DPEHPK3PXP');
    expect(a).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.encrypt('JBSWY3DPEHPK3PXP')).not.toBe(a);
    expect(box.decrypt(a)).toBe('JBSWY3DPEHPK3PXP');
  });

  it('refuses tampered ciphertext and a different key', () => {
    const c = box.encrypt('secret');
    const parts = c.split('.');
    const ct = Buffer.from(parts[3]!, 'base64url');
    ct[0] = ct[0]! ^ 0x01;
    parts[3] = ct.toString('base64url');
    expect(() => box.decrypt(parts.join('.'))).toThrow();
    expect(() => createSecretBox(randomBytes(32).toString('hex')).decrypt(c)).toThrow();
    expect(() => box.decrypt('garbage')).toThrow(/format/);
  });
});
