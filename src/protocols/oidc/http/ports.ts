import type { Request, Response } from 'express';
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

/** A person signed in: what the session needs. */
export interface OidcSignedInPerson {
  readonly orgId: string;
  readonly userId: string;
  readonly connectionId: string;
  readonly loginId: string;
  readonly sessionIndex: null;
  /** Where to send the browser; null for the default page. */
  readonly returnTo: string | null;
}

/** What the OIDC sign-in flow takes from the rest of Muster. */
export interface OidcSignInDeps {
  readonly db: Db;
  readonly publicUrl: string;
  /** Seals the nonce and PKCE verifier kept with a sign-in in flight. */
  readonly secretBox: SecretBox;
  readonly issuers: IssuerCache;
  loadConnection(connectionId: string): Promise<LoadedOidcConnection | undefined>;
  /** Starts the session and answers the browser (cookie and redirect). */
  finishSignIn(req: Request, res: Response, person: OidcSignedInPerson): Promise<void>;
}
