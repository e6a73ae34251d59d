import type { Request, Response } from 'express';
import type { Db } from '../../../storage/index.ts';
import type { SamlConnection } from '../types.ts';

/** A SAML connection as the sign-in flow needs it: the protocol's view, and the org's rules around it. */
export interface LoadedSamlConnection {
  readonly orgId: string;
  readonly saml: SamlConnection;
  /** Whether a first sign-in creates the user. */
  readonly jit: boolean;
  /** The connection's email domains, and whether the org proved it owns each. */
  readonly domains: readonly { readonly domain: string; readonly verified: boolean }[];
}

/** A person signed in: what the session needs. */
export interface SignedInPerson {
  readonly orgId: string;
  readonly userId: string;
  readonly connectionId: string;
  readonly loginId: string;
  /** The IdP's session, for Single Logout. */
  readonly sessionIndex: string | null;
  /** Where to send the browser; null for the default page. */
  readonly returnTo: string | null;
}

/** What the SAML sign-in flow takes from the rest of Muster. */
export interface SamlSignInDeps {
  readonly db: Db;
  readonly publicUrl: string;
  loadConnection(connectionId: string): Promise<LoadedSamlConnection | undefined>;
  /** Starts the session and answers the browser (cookie and redirect). */
  finishSignIn(req: Request, res: Response, person: SignedInPerson): Promise<void>;
  /** The return target if the org allows it, else undefined. */
  allowedReturnTo(orgId: string, value: string): Promise<string | undefined>;
}
