import { newId } from '../../infra/ids/index.ts';
import type { Db, LoginTransactionRow } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';

/** How long a sign-in may take between its start and the IdP's answer. */
export const loginLifetimeSeconds = 600;

/** A real sign-in, or a test: its answer is checked the same, then recorded instead of signing anyone in. */
export type LoginPurpose = 'sign_in' | 'test';

export interface LoginStart {
  readonly orgId: string;
  readonly connectionId: string;
  /** SAML: the AuthnRequest ID. OIDC: the SHA-256 of the state. */
  readonly requestKey: string;
  readonly returnTo: string | null;
  /** The SHA-256 of the random value in the browser's login cookie, when one can be set. */
  readonly browserBinding: string | null;
  /** OIDC: nonce and PKCE verifier, sealed. */
  readonly sealedSecrets?: string | null;
  /** A test records what the IdP answers instead of signing anyone in; a sign-in unless set. */
  readonly purpose?: LoginPurpose;
}

/** A sign-in in flight, as its end finds it. */
export interface LoginInFlight {
  readonly id: string;
  readonly orgId: string;
  readonly connectionId: string;
  readonly returnTo: string | null;
  readonly browserBinding: string | null;
  readonly sealedSecrets: string | null;
  readonly purpose: LoginPurpose;
}

/**
 * Records a sign-in's start in the database, not the browser: the IdP's
 * answer may reach any Muster process, by a cross-site POST that carries no
 * SameSite=Lax cookie. Expired ones are swept now and then.
 */
export async function beginLogin(db: Db, start: LoginStart): Promise<{ id: string; expiresAt: Date }> {
  const id = newId();
  const expiresAt = new Date(Date.now() + loginLifetimeSeconds * 1000);
  await store.insertLoginTransaction(db, start.orgId, {
    id,
    connectionId: start.connectionId,
    requestKey: start.requestKey,
    sealedSecrets: start.sealedSecrets ?? null,
    browserBinding: start.browserBinding,
    returnTo: start.returnTo,
    purpose: start.purpose ?? 'sign_in',
    expiresAt,
  });
  // One sign-in in sixteen sweeps up to 500 stale rows: the tables stay small without a timer.
  if (Number.parseInt(id.slice(-1), 16) === 0) {
    const before = new Date(Date.now() - loginLifetimeSeconds * 1000);
    await store.purgeLoginTransactions(db, before);
    await store.purgeSamlAssertions(db, new Date());
  }
  return { id, expiresAt };
}

/** Ends a sign-in in flight, once; undefined if it never began, already ended, or expired. */
export async function consumeLogin(
  db: Db,
  connectionId: string,
  requestKey: string,
): Promise<LoginInFlight | undefined> {
  return inFlight(await store.consumeLoginTransaction(db, connectionId, requestKey));
}

/**
 * Ends a test sign-in in flight whose answer was refused, once; a real
 * sign-in of that key is left alone, so a refused answer still consumes
 * nothing of it.
 */
export async function consumeTestLogin(
  db: Db,
  connectionId: string,
  requestKey: string,
): Promise<LoginInFlight | undefined> {
  return inFlight(await store.consumeLoginTransaction(db, connectionId, requestKey, 'test'));
}

function inFlight(row: LoginTransactionRow | undefined): LoginInFlight | undefined {
  return (
    row && {
      id: row.id,
      orgId: row.org_id,
      connectionId: row.connection_id,
      returnTo: row.return_to,
      browserBinding: row.browser_binding,
      sealedSecrets: row.sealed_secrets,
      purpose: row.purpose,
    }
  );
}

/** Accepts an assertion id once per connection until it expires; false for a replay. */
export function rememberAssertion(
  db: Db,
  connectionId: string,
  assertionId: string,
  expiresAt: Date,
): Promise<boolean> {
  return store.rememberSamlAssertion(db, connectionId, assertionId, expiresAt);
}
