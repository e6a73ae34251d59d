import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, errors, exportJWK, jwtVerify, SignJWT } from 'jose';

/**
 * ES256 JSON Web Tokens through jose: key pairs, signing, and verification
 * with one algorithm allowed, so `alg: none`, HMAC keyed with a public key
 * and every other algorithm are refused before any key is looked at.
 */
const algorithm = 'ES256';

/** A public key as the JWKS publishes it. */
export interface PublicJwk {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
  readonly kid: string;
  readonly alg: 'ES256';
  readonly use: 'sig';
}

export interface NewSigningKey {
  /** The RFC 7638 thumbprint of the public key: stable, and names nothing but the key. */
  readonly kid: string;
  /** PKCS#8 PEM; the caller seals it before storing it. */
  readonly privateKeyPem: string;
  readonly publicJwk: PublicJwk;
}

export async function generateSigningKey(): Promise<NewSigningKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = await exportJWK(publicKey);
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y) throw new Error('not a P-256 key');
  const kid = await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y });
  return {
    kid,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicJwk: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid, alg: algorithm, use: 'sig' },
  };
}

export function privateKeyFromPem(pem: string): KeyObject {
  return createPrivateKey({ key: pem, format: 'pem' });
}

export function publicKeyFromJwk(jwk: PublicJwk): KeyObject {
  return createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, format: 'jwk' });
}

/** Thumbprints are 43 base64url characters: anything else names no key of ours. */
export function isKeyId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

export interface SignOptions {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

export function signJwt(claims: Readonly<Record<string, unknown>>, options: SignOptions): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: algorithm, kid: options.kid, typ: 'JWT' })
    .setIssuedAt(seconds(options.issuedAt))
    .setExpirationTime(seconds(options.expiresAt))
    .sign(options.privateKey);
}

export type JwtRejection =
  | 'malformed'
  | 'algorithm_refused'
  | 'unknown_key'
  | 'bad_signature'
  | 'expired'
  | 'bad_claims';

export class JwtRejected extends Error {
  override readonly name = 'JwtRejected';
  readonly reason: JwtRejection;
  constructor(reason: JwtRejection, message: string) {
    super(message);
    this.reason = reason;
  }
}

export interface VerifyOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly now: Date;
  /** The public key a `kid` names, or undefined when it names none that may verify. */
  readonly keyFor: (kid: string) => Promise<KeyObject | undefined>;
  /** Claims that must be present besides iss, aud, iat and exp. */
  readonly requiredClaims?: readonly string[];
  /**
   * Accept a token whose `exp` has passed, verified in every other respect
   * as of the moment before it expired. Only for a caller that then checks a
   * server-side record and issues a fresh token in its place.
   */
  readonly allowExpired?: boolean;
}

export interface VerifiedJwt {
  readonly payload: Readonly<Record<string, unknown>>;
  readonly expired: boolean;
}

/** When a token whose expiry passed is checked: the second before it expired. */
function verificationTime(token: string, now: Date, allowExpired: boolean): Date {
  if (!allowExpired) return now;
  let exp: unknown;
  try {
    exp = decodeJwt(token).exp;
  } catch {
    return now;
  }
  return typeof exp === 'number' && exp <= seconds(now) ? new Date((exp - 1) * 1000) : now;
}

function rejectionOf(error: unknown): JwtRejected {
  if (error instanceof JwtRejected) return error;
  if (error instanceof errors.JWTExpired) return new JwtRejected('expired', 'The token has expired');
  if (error instanceof errors.JOSEAlgNotAllowed)
    return new JwtRejected('algorithm_refused', 'The token is not signed with ES256');
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return new JwtRejected('bad_signature', 'The token signature is not valid');
  if (error instanceof errors.JWTClaimValidationFailed)
    return new JwtRejected('bad_claims', `The token's "${error.claim}" claim is not acceptable`);
  return new JwtRejected('malformed', 'The token is not an ES256 JWT this service issued');
}

export async function verifyJwt(token: string, options: VerifyOptions): Promise<VerifiedJwt> {
  const at = verificationTime(token, options.now, options.allowExpired === true);
  try {
    const { payload } = await jwtVerify(
      token,
      async (header) => {
        if (!isKeyId(header.kid)) throw new JwtRejected('unknown_key', 'The token names no known key');
        const key = await options.keyFor(header.kid);
        if (!key) throw new JwtRejected('unknown_key', 'The token names no known key');
        return key;
      },
      {
        algorithms: [algorithm],
        issuer: options.issuer,
        audience: options.audience,
        typ: 'JWT',
        currentDate: at,
        requiredClaims: ['iat', 'exp', ...(options.requiredClaims ?? [])],
      },
    );
    return { payload, expired: at.getTime() !== options.now.getTime() };
  } catch (error) {
    throw rejectionOf(error);
  }
}
