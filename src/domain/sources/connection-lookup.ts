import { isUuid } from '../../infra/ids/index.ts';
import type { Db, DirectoryProvider } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { normalizeDomain } from './connection-domains.ts';
import type { ConnectionProtocol } from './connection-view.ts';

/**
 * How a sign-in finds its connection before anyone is known: by the email's
 * domain (home realm discovery) or by the org; and whether the domain is one
 * the org proved it owns.
 */

/** A connection a person may be sent to: what a login page or picker shows. */
export interface ConnectionChoice {
  readonly connectionId: string;
  readonly orgId: string;
  readonly protocol: ConnectionProtocol;
  readonly provider: DirectoryProvider;
  readonly name: string;
}

/** The domain of an email address (or a domain), as connection domains are stored; undefined if it is none. */
export function domainOf(emailOrDomain: string): string | undefined {
  const domain = emailOrDomain.includes('@')
    ? emailOrDomain.slice(emailOrDomain.lastIndexOf('@') + 1)
    : emailOrDomain;
  const result = normalizeDomain(domain);
  return 'domain' in result ? result.domain : undefined;
}

/** Home realm discovery: the connection that serves an email's domain, with whether the domain is verified. */
export async function connectionForDomain(
  db: Db,
  emailOrDomain: string,
): Promise<(ConnectionChoice & { readonly domain: string; readonly verified: boolean }) | undefined> {
  const domain = domainOf(emailOrDomain);
  const claim = domain ? await store.findConnectionDomain(db, domain) : undefined;
  if (!claim) return undefined;
  const row = await store.findConnection(db, claim.org_id, claim.connection_id);
  if (!row) return undefined;
  return {
    connectionId: row.id,
    orgId: row.org_id,
    protocol: row.protocol,
    provider: row.provider,
    name: row.name,
    domain: claim.domain,
    verified: claim.verified_at !== null,
  };
}

/** A connection by id, as `/sso/login?connection=` picks it: nothing of its settings or secrets opened. */
export async function connectionChoice(db: Db, connectionId: string): Promise<ConnectionChoice | undefined> {
  const row = isUuid(connectionId)
    ? await store.findConnectionById(db, connectionId.toLowerCase())
    : undefined;
  return (
    row && {
      connectionId: row.id,
      orgId: row.org_id,
      protocol: row.protocol,
      provider: row.provider,
      name: row.name,
    }
  );
}

/** An org's connections, oldest first (at most `limit`, up to 100): for `/sso/login?org=`. */
export async function connectionsOfOrg(db: Db, orgId: string, limit = 100): Promise<ConnectionChoice[]> {
  const page = await store.listConnections(db, orgId, { limit: Math.min(limit, 100) });
  return page.items.map((row) => ({
    connectionId: row.id,
    orgId: row.org_id,
    protocol: row.protocol,
    provider: row.provider,
    name: row.name,
  }));
}

/**
 * Whether an email's domain is one this connection serves and the org has
 * verified: the condition for a sign-in to link to an existing account
 * (`linkByEmail`).
 */
export async function isDomainVerified(
  db: Db,
  orgId: string,
  connectionId: string,
  emailOrDomain: string,
): Promise<boolean> {
  const domain = domainOf(emailOrDomain);
  const claim = domain ? await store.findConnectionDomain(db, domain) : undefined;
  return (
    claim !== undefined &&
    claim.org_id === orgId &&
    claim.connection_id === connectionId &&
    claim.verified_at !== null
  );
}
