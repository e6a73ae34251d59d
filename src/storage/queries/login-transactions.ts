import { sql } from 'kysely';
import type { Db } from '../database.ts';
import type { LoginPurpose, LoginTransactionRow } from '../schema.ts';

export interface NewLoginTransaction {
  readonly id: string;
  readonly connectionId: string;
  readonly requestKey: string;
  readonly sealedSecrets: string | null;
  readonly browserBinding: string | null;
  readonly returnTo: string | null;
  readonly purpose: LoginPurpose;
  readonly expiresAt: Date;
}

export async function insertLoginTransaction(db: Db, orgId: string, row: NewLoginTransaction): Promise<void> {
  await db
    .insertInto('login_transactions')
    .values({
      id: row.id,
      org_id: orgId,
      connection_id: row.connectionId,
      request_key: row.requestKey,
      sealed_secrets: row.sealedSecrets,
      browser_binding: row.browserBinding,
      return_to: row.returnTo,
      purpose: row.purpose,
      expires_at: row.expiresAt,
    })
    .execute();
}

/**
 * Ends a sign-in in flight, once: the first caller gets its row, every
 * later one (another process, a replayed response) nothing. An expired one
 * is nothing too. With `purpose`, only a sign-in of that purpose is ended.
 */
export async function consumeLoginTransaction(
  db: Db,
  connectionId: string,
  requestKey: string,
  purpose?: LoginPurpose,
): Promise<LoginTransactionRow | undefined> {
  const { rows } = await sql<LoginTransactionRow>`
    update login_transactions set consumed_at = now()
     where connection_id = ${connectionId} and request_key = ${requestKey}
       and consumed_at is null and expires_at > now()
       ${purpose === undefined ? sql`` : sql`and purpose = ${purpose}`}
    returning *
  `.execute(db);
  return rows[0];
}

/** Drops sign-ins that ended or expired a while ago; called now and then, a bounded number at a time. */
export async function purgeLoginTransactions(db: Db, before: Date, limit = 500): Promise<number> {
  const { rows } = await sql<{ id: string }>`
    delete from login_transactions
     where id in (select id from login_transactions where expires_at < ${before} limit ${limit})
    returning id
  `.execute(db);
  return rows.length;
}

/**
 * Records an accepted assertion until it expires; false when the connection
 * accepted it before and it has not expired yet (an id an IdP reuses long
 * after is not a replay).
 */
export async function rememberSamlAssertion(
  db: Db,
  connectionId: string,
  assertionId: string,
  expiresAt: Date,
): Promise<boolean> {
  const { rows } = await sql<{ assertion_id: string }>`
    insert into saml_assertions (connection_id, assertion_id, expires_at)
    values (${connectionId}, ${assertionId}, ${expiresAt})
    on conflict (connection_id, assertion_id) do update set expires_at = excluded.expires_at
      where saml_assertions.expires_at < now()
    returning assertion_id
  `.execute(db);
  return rows.length > 0;
}

export async function purgeSamlAssertions(db: Db, before: Date, limit = 500): Promise<number> {
  const { rows } = await sql<{ assertion_id: string }>`
    delete from saml_assertions
     where (connection_id, assertion_id) in (
       select connection_id, assertion_id from saml_assertions where expires_at < ${before} limit ${limit})
    returning assertion_id
  `.execute(db);
  return rows.length;
}
