export {
  type CertifiedKeyPair,
  certificatePem,
  generateCertifiedKeyPair,
  type KeyPairOptions,
  pemBody,
} from './certificates.ts';

import {
  createCipheriv,
  createDecipheriv,
  createHash,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/** A random secret of 32 bytes, URL-safe: far too many to guess, so a fast hash stores it safely. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256 in hex: how high-entropy tokens are stored. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * Compares two strings in time that depends on neither's content. Both are
 * hashed first, so their lengths leak nothing either.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

/** Compares a presented secret with a stored SHA-256 hex digest, in constant time. */
export function secretMatchesHash(secret: string, storedHash: string): boolean {
  const presented = createHash('sha256').update(secret, 'utf8').digest();
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}

/** A key for one purpose (such as signing form tokens), derived from MASTER_KEY: the same in every process. */
export function derivedKey(masterKey: string, purpose: string): string {
  return Buffer.from(hkdfSync('sha256', masterKey, 'muster', `muster ${purpose} v1`, 32)).toString(
    'base64url',
  );
}

/** Used only outside production when MASTER_KEY is unset; start-up warns about it. */
export const developmentMasterKey = 'muster-development-master-key-not-for-production-use';

/**
 * Encrypts stored secrets (IdP client secrets, SP private keys) with
 * AES-256-GCM under a key derived from MASTER_KEY. The output names its
 * version so the scheme can change without guessing.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(masterKey: string) {
    this.#key = Buffer.from(hkdfSync('sha256', masterKey, 'muster', 'muster secret box v1', 32));
  }

  seal(plaintext: string, associatedData = ''): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      'v1',
      iv.toString('base64url'),
      body.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
    ].join('.');
  }

  open(sealed: string, associatedData = ''): string {
    const [version, iv, body, tag] = sealed.split('.');
    if (version !== 'v1' || !iv || body === undefined || !tag) {
      throw new Error('sealed secret has an unknown format');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }
}

export { commonPasswordCount, isCommonPassword } from './common-passwords.ts';
export {
  normalizePassword,
  PasswordHasher,
  type PasswordHasherOptions,
  type PasswordHasherStats,
  type PasswordHashParams,
  passwordHasher,
  passwordHashParams,
  passwordHashParamsOf,
} from './password.ts';
