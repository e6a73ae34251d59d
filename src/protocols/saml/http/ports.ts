import type { Request, Response } from 'express';
import type { LoginInFlight, LoginPurpose, VouchedSignIn } from '../../../domain/signin/index.ts';
import type { MusterError } from '../../../errors.ts';
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

/**
 * Who the IdP vouched for, the response checked: what Muster provisions and
 * signs in, or, when the sign-in was a test, records instead.
 */
export interface SignedInPerson extends VouchedSignIn {
  /** The IdP's session, for Single Logout. */
  readonly sessionIndex: string | null;
  /** Where to send the browser; null for the default page. */
  readonly returnTo: string | null;
  readonly purpose: LoginPurpose;
  /** Every attribute, values as text. */
  readonly attributes: Readonly<Record<string, readonly string[]>>;
}

/** What the SAML sign-in flow takes from the rest of Muster. */
export interface SamlSignInDeps {
  readonly db: Db;
  readonly publicUrl: string;
  loadConnection(connectionId: string): Promise<LoadedSamlConnection | undefined>;
  /** Provisions the person, starts the session and answers the browser; or records a test and sends it back. */
  finishSignIn(req: Request, res: Response, person: SignedInPerson): Promise<void>;
  /** A test sign-in's answer was refused: records why, and sends the browser back to where the test began. */
  failTestSignIn(res: Response, login: LoginInFlight, error: MusterError): Promise<void>;
  /** The return target if the org allows it, else undefined. */
  allowedReturnTo(orgId: string, value: string): Promise<string | undefined>;
}
