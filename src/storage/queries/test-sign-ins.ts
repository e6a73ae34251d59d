import type { Db } from '../database.ts';
import type { ConnectionTestSignInRow } from '../schema.ts';

export interface NewTestSignIn {
  readonly id: string;
  readonly connectionId: string;
  readonly at: Date;
  readonly outcome: 'succeeded' | 'failed';
  readonly subject: string | null;
  readonly email: string | null;
  readonly attributes: Readonly<Record<string, readonly string[]>>;
  readonly groups: readonly string[];
  readonly groupsTruncated: boolean;
  readonly error: string | null;
}

/** Records a test sign-in and trims the connection's record to its newest `keep`. */
export async function insertTestSignIn(
  db: Db,
  orgId: string,
  row: NewTestSignIn,
  keep: number,
): Promise<void> {
  await db
    .insertInto('connection_test_sign_ins')
    .values({
      id: row.id,
      org_id: orgId,
      connection_id: row.connectionId,
      at: row.at,
      outcome: row.outcome,
      subject: row.subject,
      email: row.email,
      attributes: JSON.stringify(row.attributes),
      groups: [...row.groups],
      groups_truncated: row.groupsTruncated,
      error: row.error,
    })
    .execute();
  const older = db
    .selectFrom('connection_test_sign_ins')
    .select('id')
    .where('org_id', '=', orgId)
    .where('connection_id', '=', row.connectionId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .offset(keep);
  await db
    .deleteFrom('connection_test_sign_ins')
    .where('org_id', '=', orgId)
    .where('connection_id', '=', row.connectionId)
    .where('id', 'in', older)
    .execute();
}

/** A connection's newest test sign-ins, newest first. */
export function listTestSignIns(
  db: Db,
  orgId: string,
  connectionId: string,
  limit: number,
): Promise<ConnectionTestSignInRow[]> {
  return db
    .selectFrom('connection_test_sign_ins')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('connection_id', '=', connectionId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
