// Application secrets at rest: AES-256-GCM, a fresh 96-bit IV per value, and the id of the key
// in every ciphertext so ENCRYPTION_KEY can rotate (`pilox keys rotate`, docs/secrets.md).
//
//   v1.<keyId>.<iv>.<tag>.<ciphertext>      (base64url parts; "v1.<keyId>" is bound as AAD)
//
// Decrypting anything else throws: a value that is not one of our ciphertexts is never taken
// for plaintext.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';

const VERSION = 'v1';
const FORMAT = /^v1\.([A-Za-z0-9_-]{8})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]*)$/;
const KEY_HEX = /^[0-9a-fA-F]{64}$/;

/** Stored data cannot be decrypted: a server-side fault, never the caller's (status 500). */
export class SecretBoxError extends AppError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(500, code, message, details);
  }
}

export class InvalidCiphertextError extends SecretBoxError {
  constructor() {
    super('SECRET_CIPHERTEXT_INVALID', 'The stored value is not a Pilox ciphertext (v1.<keyId>.<iv>.<tag>.<data>)');
  }
}

export class UnknownKeyError extends SecretBoxError {
  constructor(readonly keyId: string) {
    super('SECRET_KEY_UNKNOWN', `The value was encrypted with key ${keyId}, which is neither ENCRYPTION_KEY nor in ENCRYPTION_KEY_PREVIOUS`, { keyId });
  }
}

export class DecryptionFailedError extends SecretBoxError {
  constructor(readonly keyId: string) {
    super('SECRET_DECRYPT_FAILED', `The value does not authenticate under key ${keyId} (wrong key or tampered data)`, { keyId });
  }
}

export class InvalidKeyError extends Error {
  override name = 'InvalidKeyError';
  constructor(what: string) {
    super(`${what}: an encryption key is exactly 64 hex characters (32 bytes)`);
  }
}

/** Public, stable id of a key: a truncated hash, so it reveals nothing about the key. */
export function keyIdOf(keyHex: string): string {
  return createHash('sha256').update('pilox-secret-box-key-id\0').update(Buffer.from(keyHex, 'hex')).digest().subarray(0, 6).toString('base64url');
}

/** The key id a ciphertext names, or null when the text is not a ciphertext of ours. */
export function ciphertextKeyId(ciphertext: string): string | null {
  const m = FORMAT.exec(ciphertext);
  return m ? m[1]! : null;
}

export interface SecretBox {
  /** Id of ENCRYPTION_KEY: every new ciphertext starts with `v1.<currentKeyId>.`. */
  readonly currentKeyId: string;
  /** Ids of all keys accepted for decryption (current first). */
  readonly keyIds: readonly string[];
  encrypt(plaintext: string): string;
  decrypt(ciphertext: string): string;
  /** True when the value is a ciphertext under the current key (nothing to rotate). */
  isCurrent(ciphertext: string): boolean;
}

export interface KeyRing {
  /** 64 hex characters; encrypts. */
  current: string;
  /** Accepted for decryption only (during and after a rotation). */
  previous?: readonly string[];
}

export function createSecretBox(ring: KeyRing): SecretBox {
  if (!KEY_HEX.test(ring.current)) throw new InvalidKeyError('current key');
  const keys = new Map<string, Buffer>();
  for (const [i, hex] of [ring.current, ...(ring.previous ?? [])].entries()) {
    if (!KEY_HEX.test(hex)) throw new InvalidKeyError(i === 0 ? 'current key' : `previous key #${i}`);
    const id = keyIdOf(hex);
    if (!keys.has(id)) keys.set(id, Buffer.from(hex, 'hex'));
  }
  const currentKeyId = keyIdOf(ring.current);
  const currentKey = keys.get(currentKeyId)!;
  const prefix = `${VERSION}.${currentKeyId}.`;

  return {
    currentKeyId,
    keyIds: [...keys.keys()],
    encrypt(plaintext) {
      if (typeof plaintext !== 'string') throw new TypeError('encrypt() takes a string');
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', currentKey, iv);
      cipher.setAAD(Buffer.from(`${VERSION}.${currentKeyId}`));
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `${prefix}${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${ct.toString('base64url')}`;
    },
    decrypt(ciphertext) {
      const m = typeof ciphertext === 'string' ? FORMAT.exec(ciphertext) : null;
      if (!m) throw new InvalidCiphertextError();
      const [, keyId, iv, tag, ct] = m as unknown as [string, string, string, string, string];
      const key = keys.get(keyId);
      if (!key) throw new UnknownKeyError(keyId);
      const ivBytes = Buffer.from(iv, 'base64url');
      const tagBytes = Buffer.from(tag, 'base64url');
      // base64url of 12/16 bytes has unused trailing bits; refuse non-canonical spellings.
      if (ivBytes.toString('base64url') !== iv || tagBytes.toString('base64url') !== tag) throw new InvalidCiphertextError();
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: 16 });
        decipher.setAAD(Buffer.from(`${VERSION}.${keyId}`));
        decipher.setAuthTag(tagBytes);
        return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new DecryptionFailedError(keyId);
      }
    },
    isCurrent(ciphertext) {
      return ciphertext.startsWith(prefix) && FORMAT.test(ciphertext);
    },
  };
}

/** Parses ENCRYPTION_KEY_PREVIOUS (comma-separated hex keys). */
export function splitKeyList(value: string): string[] {
  return value
    .split(',')
    .map((k) => k.trim().toLowerCase())
    .filter((k) => k !== '');
}
