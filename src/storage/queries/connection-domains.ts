import type { Db } from '../database.ts';
import type { ConnectionDomainRow } from '../schema.ts';

/** Claims the domains no connection holds yet, in one statement; returns those it claimed. */
export async function insertConnectionDomains(
  db: Db,
  orgId: string,
  connectionId: string,
  rows: readonly { domain: string; verification_token: string }[],
): Promise<string[]> {
  if (rows.length === 0) return [];
  const claimed = await db
    .insertInto('connection_domains')
    .values(rows.map((r) => ({ ...r, org_id: orgId, connection_id: connectionId })))
    .onConflict((oc) => oc.column('domain').doNothing())
    .returning('domain')
    .execute();
  return claimed.map((r) => r.domain);
}

/** The domains of some connections of one org, by domain name. */
export function domainsOfConnections(
  db: Db,
  orgId: string,
  connectionIds: readonly string[],
): Promise<ConnectionDomainRow[]> {
  if (connectionIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('connection_domains')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('connection_id', 'in', connectionIds)
    .orderBy('domain')
    .execute();
}

export async function deleteConnectionDomains(
  db: Db,
  orgId: string,
  connectionId: string,
  domains: readonly string[],
): Promise<void> {
  if (domains.length === 0) return;
  await db
    .deleteFrom('connection_domains')
    .where('domain', 'in', domains)
    .where('org_id', '=', orgId)
    .where('connection_id', '=', connectionId)
    .execute();
}

/** Which connection serves an email domain, of whichever org: home realm discovery. */
export function findConnectionDomain(db: Db, domain: string): Promise<ConnectionDomainRow | undefined> {
  return db.selectFrom('connection_domains').selectAll().where('domain', '=', domain).executeTakeFirst();
}

export function markConnectionDomainVerified(
  db: Db,
  orgId: string,
  connectionId: string,
  domain: string,
  at: Date,
): Promise<ConnectionDomainRow | undefined> {
  return db
    .updateTable('connection_domains')
    .set({ verified_at: at })
    .where('domain', '=', domain)
    .where('org_id', '=', orgId)
    .where('connection_id', '=', connectionId)
    .returningAll()
    .executeTakeFirst();
}
