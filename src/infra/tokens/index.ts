import { hashSecret, randomSecret, secretMatchesHash } from '../crypto/index.ts';

/**
 * Bearer tokens of the form `<prefix><id as 32 hex>_<43 base64url secret>`:
 * a recognisable prefix for secret scanners, the row id to find the token,
 * and 256 bits of secret of which only a SHA-256 is stored.
 */
export interface TokenKind {
  readonly prefix: string;
}

export const apiKeyTokens: TokenKind = { prefix: 'muster_' };
export const scimTokens: TokenKind = { prefix: 'muster_scim_' };

export interface IssuedToken {
  readonly token: string;
  readonly secretHash: string;
}

export function issueToken(kind: TokenKind, id: string): IssuedToken {
  const secret = randomSecret(32);
  return { token: `${kind.prefix}${id.replaceAll('-', '')}_${secret}`, secretHash: hashSecret(secret) };
}

const body = /^([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

/** The row id and secret a presented token names, or undefined when it has another shape. */
export function parseToken(kind: TokenKind, token: string): { id: string; secret: string } | undefined {
  if (!token.startsWith(kind.prefix)) return undefined;
  const match = body.exec(token.slice(kind.prefix.length));
  if (!match?.[1] || !match[2]) return undefined;
  const hex = match[1];
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { id, secret: match[2] };
}

const unknownHash = '0'.repeat(64);

/**
 * Whether a presented secret matches a stored hash. The hash is compared even
 * when no row was found, so a lookup takes as long for unknown ids.
 */
export function verifySecret(secret: string, storedHash: string | undefined): boolean {
  const matches = secretMatchesHash(secret, storedHash ?? unknownHash);
  return storedHash !== undefined && matches;
}

/** The start of a token, enough to recognise it in a list. */
export function tokenPrefix(kind: TokenKind, id: string): string {
  return `${kind.prefix}${id.replaceAll('-', '').slice(0, 12)}`;
}

/** Last use is recorded at most once a minute, so busy tokens do not turn every read into a write. */
export const lastUseResolutionMs = 60_000;

export function lastUseIsStale(lastUsedAt: Date | null, now: Date): boolean {
  return lastUsedAt === null || now.getTime() - lastUsedAt.getTime() >= lastUseResolutionMs;
}
