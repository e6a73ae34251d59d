import type { Db } from '../../storage/index.ts';

/** A test sign-in through a connection: what arrived from the IdP, or why it failed. Nothing is provisioned. */
export interface TestSignIn {
  readonly id: string;
  readonly connectionId: string;
  readonly at: Date;
  readonly outcome: 'succeeded' | 'failed';
  /** The IdP's name for the person (SAML NameID, OIDC sub); null when the answer was refused before it was read. */
  readonly subject: string | null;
  readonly email: string | null;
  /** Every attribute (SAML) or claim (OIDC) as it arrived, values as text. */
  readonly attributes: Readonly<Record<string, readonly string[]>>;
  readonly groups: readonly string[];
  readonly groupsTruncated: boolean;
  /** Why it failed, in words an IdP admin can act on; null when it succeeded. */
  readonly error: string | null;
}

/** Not built yet: the newest test sign-ins of a connection, newest first. */
export async function latestTestSignIns(
  _db: Db,
  _orgId: string,
  _connectionId: string,
  _limit = 5,
): Promise<TestSignIn[]> {
  return [];
}
