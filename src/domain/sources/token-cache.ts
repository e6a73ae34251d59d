import type { Db, DirectoryRow } from '../../storage/index.ts';

/**
 * Directory tokens this process authenticated in the last second, so an
 * initial sync's thousands of requests a second do not each read the token
 * and directory rows. A revocation in this process takes effect at once; one
 * made by another process on the same database within `ttlMs`. Only tokens
 * that authenticated are kept, so unknown tokens cannot fill it.
 */
export class TokenCache<T> {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #byDb = new WeakMap<Db, Map<string, { value: T; until: number }>>();

  constructor(options: { ttlMs: number; maxEntries: number }) {
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries;
  }

  get(db: Db, tokenId: string, now: number): T | undefined {
    const entry = this.#byDb.get(db)?.get(tokenId);
    return entry && entry.until > now ? entry.value : undefined;
  }

  set(db: Db, tokenId: string, value: T, now: number): void {
    let entries = this.#byDb.get(db);
    if (!entries) {
      entries = new Map();
      this.#byDb.set(db, entries);
    }
    if (entries.size >= this.#maxEntries) entries.clear();
    entries.set(tokenId, { value, until: now + this.#ttlMs });
  }

  forget(db: Db, tokenId: string): void {
    this.#byDb.get(db)?.delete(tokenId);
  }

  /** Every token of a directory, when the directory changes or goes. */
  forgetWhere(db: Db, matches: (value: T) => boolean): void {
    const entries = this.#byDb.get(db);
    if (!entries) return;
    for (const [id, entry] of entries) if (matches(entry.value)) entries.delete(id);
  }
}

/** What authenticating a SCIM token reads: the directory's row and the token's. */
export type AuthenticatedToken = DirectoryRow & {
  readonly token_id: string;
  readonly secret_hash: string;
  readonly revoked_at: Date | null;
  readonly last_used_at: Date | null;
};

export const authenticatedTokens = new TokenCache<AuthenticatedToken>({ ttlMs: 1_000, maxEntries: 10_000 });
