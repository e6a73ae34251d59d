import type { Request, Response } from 'express';
import type { LoginInFlight, LoginPurpose, VouchedSignIn } from '../../../domain/signin/index.ts';
import type { MusterError } from '../../../errors.ts';
import type { SecretBox } from '../../../infra/crypto/index.ts';
import type { Db } from '../../../storage/index.ts';
import type { IssuerCache } from '../discovery.ts';
import type { OidcConnection } from '../types.ts';

/** An OIDC connection as the sign-in flow needs it: the protocol's view, and the org's rules around it. */
export interface LoadedOidcConnection {
  readonly orgId: string;
  readonly oidc: OidcConnection;
  /** Whether a first sign-in creates the user. */
  readonly jit: boolean;
  /** The connection's email domains, and whether the org proved it owns each. */
  readonly domains: readonly { readonly domain: string; readonly verified: boolean }[];
  /** private_key_jwt: the public client key, published at the connection's JWKS URL. */
  readonly clientCertificate: string | null;
}

/**
 * Who the IdP vouched for, the answer checked: what Muster provisions and
 * signs in, or, when the sign-in was a test, records instead.
 */
export interface OidcSignedInPerson extends VouchedSignIn {
  readonly sessionIndex: null;
  /** Where to send the browser; null for the default page. */
  readonly returnTo: string | null;
  readonly purpose: LoginPurpose;
  /** Every claim, values as text. */
  readonly attributes: Readonly<Record<string, readonly string[]>>;
}

/** What the OIDC sign-in flow takes from the rest of Muster. */
export interface OidcSignInDeps {
  readonly db: Db;
  readonly publicUrl: string;
  /** Seals the nonce and PKCE verifier kept with a sign-in in flight. */
  readonly secretBox: SecretBox;
  readonly issuers: IssuerCache;
  loadConnection(connectionId: string): Promise<LoadedOidcConnection | undefined>;
  /** Provisions the person, starts the session and answers the browser; or records a test and sends it back. */
  finishSignIn(req: Request, res: Response, person: OidcSignedInPerson): Promise<void>;
  /** A test sign-in's answer was refused: records why, and sends the browser back to where the test began. */
  failTestSignIn(res: Response, login: LoginInFlight, error: MusterError): Promise<void>;
}
