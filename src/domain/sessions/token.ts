import { isUuid } from '../../infra/ids/index.ts';
import { JwtRejected, type JwtRejection, signJwt, verifyJwt } from '../../infra/jwt/index.ts';
import type { OrgRole } from '../../storage/index.ts';
import type { KeyPurpose, SigningKeys } from './keys.ts';

/**
 * The session token: an ES256 JWT the application behind Muster verifies
 * offline against /.well-known/jwks.json. `iss` and `aud` are both
 * PUBLIC_URL: Muster issues it, and Muster (its /api/v1/me, its logout) and
 * the application that trusts Muster's PUBLIC_URL are its audience.
 */
export interface SessionClaims {
  /** The user id. */
  readonly sub: string;
  /** The session id: revoking it ends the session at once wherever Muster sees the token. */
  readonly sid: string;
  /** The org id. */
  readonly org: string;
  readonly email: string;
  readonly role: OrgRole;
  /** The slugs of the user's teams, sorted. */
  readonly teams: readonly string[];
}

export interface IssuedToken {
  readonly token: string;
  readonly expiresAt: Date;
}

/** Signs a token valid for the token lifetime, or until the session ends if that is sooner. */
export async function issueToken(
  keys: SigningKeys,
  claims: SessionClaims,
  sessionExpiresAt: Date,
): Promise<IssuedToken> {
  const signer = await keys.signer();
  const issuedAt = keys.now();
  const expiresAt = new Date(
    Math.min(issuedAt.getTime() + keys.settings.tokenTtlSeconds * 1000, sessionExpiresAt.getTime()),
  );
  const token = await signJwt(
    {
      iss: keys.settings.issuer,
      aud: keys.settings.issuer,
      sub: claims.sub,
      sid: claims.sid,
      org: claims.org,
      email: claims.email,
      role: claims.role,
      teams: [...claims.teams].sort(),
    },
    { kid: signer.kid, privateKey: signer.privateKey, issuedAt, expiresAt },
  );
  return { token, expiresAt };
}

export type TokenRejection = JwtRejection;

/** What a verified token names; whether it had expired (only when renewal was allowed). */
export interface VerifiedToken {
  readonly sessionId: string;
  readonly orgId: string;
  readonly userId: string;
  readonly expired: boolean;
}

/** A JWT has three parts; anything longer than this is not one of ours. */
const maxTokenLength = 8192;

export function looksLikeJwt(value: string): boolean {
  return value.length <= maxTokenLength && /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(value);
}

/**
 * Checks signature (ES256 only, by a key of ours), `iss`, `aud` and expiry.
 * With `allowExpired`, a token whose `exp` passed is accepted if it is
 * valid in every other respect, so a session's own cookie can be renewed.
 */
export async function verifyToken(
  keys: SigningKeys,
  token: string,
  allowExpired: boolean,
): Promise<VerifiedToken> {
  if (!looksLikeJwt(token)) throw new JwtRejected('malformed', 'The token is not a JWT');
  const purpose: KeyPurpose = allowExpired ? 'renewal' : 'token';
  const { payload, expired } = await verifyJwt(token, {
    issuer: keys.settings.issuer,
    audience: keys.settings.issuer,
    now: keys.now(),
    keyFor: (kid) => keys.verificationKey(kid, purpose),
    requiredClaims: ['sub', 'sid', 'org'],
    allowExpired,
  });
  const { sub, sid, org } = payload;
  // Ids are checked before they reach a query that would fail on a malformed uuid.
  if (typeof sub !== 'string' || typeof sid !== 'string' || typeof org !== 'string')
    throw new JwtRejected('bad_claims', 'The token does not name a session');
  if (!isUuid(sub) || !isUuid(sid) || !isUuid(org))
    throw new JwtRejected('bad_claims', 'The token does not name a session');
  return { sessionId: sid.toLowerCase(), orgId: org.toLowerCase(), userId: sub.toLowerCase(), expired };
}
