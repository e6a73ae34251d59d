import { newId } from '../../infra/ids/index.ts';
import type { Db } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';

/** How long a sign-in may take between its start and the IdP's answer. */
export const loginLifetimeSeconds = 600;

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
}

/** A sign-in in flight, as its end finds it. */
export interface LoginInFlight {
  readonly id: string;
  readonly orgId: string;
  readonly connectionId: string;
  readonly returnTo: string | null;
  readonly browserBinding: string | null;
  readonly sealedSecrets: string | null;
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
  const row = await store.consumeLoginTransaction(db, connectionId, requestKey);
  if (!row) return undefined;
  return {
    id: row.id,
    orgId: row.org_id,
    connectionId: row.connection_id,
    returnTo: row.return_to,
    browserBinding: row.browser_binding,
    sealedSecrets: row.sealed_secrets,
  };
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
