import type { KeyObject } from 'node:crypto';
import type { SecretBox } from '../../infra/crypto/index.ts';
import {
  generateSigningKey,
  isKeyId,
  type PublicJwk,
  privateKeyFromPem,
  publicKeyFromJwk,
} from '../../infra/jwt/index.ts';
import type { Db, SigningKeyRow } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { type SessionSettings, sessionSettings } from './settings.ts';

/** A signing key is replaced once it is this old, at the next token issued or at start-up. */
export const keyRotationMs = 30 * 24 * 3600 * 1000;
/**
 * How long past its retirement a key is still trusted beyond the tokens it
 * could have signed: clocks differ, and another process may sign with a key
 * for up to `refreshMs` after this one retired it.
 */
const retentionMarginMs = 5 * 60_000;
/** How often the list of keys is read again, so every process learns of another's rotation. */
const refreshMs = 60_000;

interface LoadedKey {
  readonly kid: string;
  readonly publicJwk: PublicJwk;
  readonly publicKey: KeyObject;
  readonly createdAt: Date;
  readonly retiredAt: Date | null;
}

export interface Signer {
  readonly kid: string;
  readonly privateKey: KeyObject;
}

/** Why a key is asked for: a live token (the JWKS window) or the renewal of a session's cookie. */
export type KeyPurpose = 'token' | 'renewal';

export interface SigningKeysOptions extends Partial<Omit<SessionSettings, 'issuer'>> {
  /** PUBLIC_URL: the `iss` and `aud` of every session token. */
  readonly issuer: string;
  readonly now?: () => Date;
  /** Told of each key this process makes, for the log. */
  readonly onRotated?: (kid: string) => void;
}

const sealingContext = (kid: string) => `signing_key:${kid}`;

function loaded(row: SigningKeyRow): LoadedKey {
  const publicJwk = row.public_jwk as unknown as PublicJwk;
  return {
    kid: row.kid,
    publicJwk,
    publicKey: publicKeyFromJwk(publicJwk),
    createdAt: row.created_at,
    retiredAt: row.retired_at,
  };
}

/**
 * The ES256 keys that sign session tokens, kept in the database so every
 * process signs with the same key and publishes the same JWKS. The newest
 * unretired key signs; the private key is stored sealed under MASTER_KEY and
 * opened only in the memory of the process that signs.
 */
export class SigningKeys {
  readonly settings: SessionSettings;
  readonly now: () => Date;
  readonly #db: Db;
  readonly #box: SecretBox;
  readonly #onRotated: ((kid: string) => void) | undefined;
  #keys: { readonly at: number; readonly list: LoadedKey[] } | undefined;
  #reading: Promise<void> | undefined;
  #rotating: Promise<void> | undefined;
  #signer: Signer | undefined;

  constructor(db: Db, box: SecretBox, options: SigningKeysOptions) {
    this.#db = db;
    this.#box = box;
    this.settings = sessionSettings(options);
    this.now = options.now ?? (() => new Date());
    this.#onRotated = options.onRotated;
  }

  /** The key to sign with now, made (or replaced, when due) first if need be. */
  async signer(): Promise<Signer> {
    const current = await this.#current();
    if (this.#signer?.kid !== current.kid) {
      const row = await store.findSigningKey(this.#db, current.kid);
      if (!row) throw new Error(`signing key ${current.kid} disappeared`);
      const pem = this.#box.open(row.sealed_private_key, sealingContext(row.kid));
      this.#signer = { kid: row.kid, privateKey: privateKeyFromPem(pem) };
    }
    return this.#signer;
  }

  /** Makes sure a signing key exists and is not due for replacement: at start-up. */
  async prepare(): Promise<void> {
    await this.#current();
  }

  /** The public keys an application verifies session tokens with: every key a live token may name. */
  async jwks(): Promise<{ keys: PublicJwk[] }> {
    await this.#current();
    const now = this.now().getTime();
    return {
      keys: (this.#keys?.list ?? []).filter((k) => this.#trusted(k, 'token', now)).map((k) => k.publicJwk),
    };
  }

  /** The public key `kid` names, if it may verify a token for this purpose now. */
  async verificationKey(kid: string, purpose: KeyPurpose): Promise<KeyObject | undefined> {
    if (!isKeyId(kid)) return undefined;
    if (!this.#keys) await this.#read();
    let key = this.#keys?.list.find((k) => k.kid === kid);
    if (!key) {
      // Made by another process since this one last read the list.
      const row = await store.findSigningKey(this.#db, kid);
      if (!row) return undefined;
      key = loaded(row);
      const list = this.#keys?.list ?? [];
      this.#keys = { at: this.#keys?.at ?? 0, list: [...list.filter((k) => k.kid !== kid), key] };
    }
    return this.#trusted(key, purpose, this.now().getTime()) ? key.publicKey : undefined;
  }

  #trusted(key: LoadedKey, purpose: KeyPurpose, now: number): boolean {
    if (!key.retiredAt) return true;
    const lifetime = purpose === 'token' ? this.settings.tokenTtlSeconds : this.settings.sessionTtlSeconds;
    return key.retiredAt.getTime() + lifetime * 1000 + retentionMarginMs > now;
  }

  async #current(): Promise<LoadedKey> {
    const now = this.now().getTime();
    if (!this.#keys || now - this.#keys.at >= refreshMs) await this.#read();
    let signing = this.#signing();
    if (!signing || now - signing.createdAt.getTime() >= keyRotationMs) {
      await this.#rotate();
      signing = this.#signing();
    }
    if (!signing) throw new Error('no signing key after rotation');
    return signing;
  }

  #signing(): LoadedKey | undefined {
    return this.#keys?.list.find((k) => k.retiredAt === null);
  }

  /** One read at a time: concurrent callers share it. */
  #read(): Promise<void> {
    this.#reading ??= (async () => {
      try {
        const now = this.now();
        const rows = await store.listSigningKeys(this.#db, new Date(now.getTime() - this.#keptMs()));
        this.#keys = { at: now.getTime(), list: rows.map(loaded) };
      } finally {
        this.#reading = undefined;
      }
    })();
    return this.#reading;
  }

  /** How long after its retirement a key's row is kept: a session's cookie may be renewed until then. */
  #keptMs(): number {
    return this.settings.sessionTtlSeconds * 1000 + retentionMarginMs;
  }

  /**
   * Makes a new key and retires the others, unless another process did so
   * first: the advisory lock serialises them, and the one that waited finds
   * the fresh key when it reads the list again under the lock.
   */
  #rotate(): Promise<void> {
    this.#rotating ??= (async () => {
      try {
        let made: string | undefined;
        await this.#db.transaction().execute(async (trx) => {
          await store.lockSigningKeys(trx);
          const now = this.now();
          const current = (await store.listSigningKeys(trx, now)).find((r) => r.retired_at === null);
          if (current && now.getTime() - current.created_at.getTime() < keyRotationMs) return;
          const key = await generateSigningKey();
          await store.insertSigningKey(trx, {
            kid: key.kid,
            sealedPrivateKey: this.#box.seal(key.privateKeyPem, sealingContext(key.kid)),
            publicJwk: key.publicJwk,
            createdAt: now,
          });
          await store.retireSigningKeys(trx, key.kid, now);
          await store.dropRetiredSigningKeys(trx, new Date(now.getTime() - this.#keptMs()));
          made = key.kid;
        });
        await this.#read();
        if (made) this.#onRotated?.(made);
      } finally {
        this.#rotating = undefined;
      }
    })();
    return this.#rotating;
  }
}
