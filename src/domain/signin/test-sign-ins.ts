import { isUuid, newId } from '../../infra/ids/index.ts';
import type { Db } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';

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

/** What a test sign-in's answer carried, as the protocol read and checked it. */
export type TestSignInResult =
  | {
      readonly outcome: 'succeeded';
      readonly subject: string;
      readonly email: string;
      readonly attributes: Readonly<Record<string, readonly string[]>>;
      readonly groups: readonly string[];
      readonly groupsTruncated: boolean;
    }
  | { readonly outcome: 'failed'; readonly error: string };

/** A connection keeps this many test sign-ins: enough to compare a few attempts, never a log. */
export const keptTestSignIns = 20;

const cut = (value: string, max: number) => (value.length > max ? `${value.slice(0, max - 1)}…` : value);

/** Records a test sign-in's answer; the connection's oldest beyond the newest 20 are dropped. */
export async function recordTestSignIn(
  db: Db,
  orgId: string,
  connectionId: string,
  result: TestSignInResult,
): Promise<void> {
  const succeeded = result.outcome === 'succeeded';
  await store.insertTestSignIn(
    db,
    orgId,
    {
      id: newId(),
      connectionId,
      at: new Date(),
      outcome: result.outcome,
      subject: succeeded ? cut(result.subject, 1000) : null,
      email: succeeded ? cut(result.email, 320) : null,
      attributes: succeeded ? result.attributes : {},
      groups: succeeded ? result.groups : [],
      groupsTruncated: succeeded && result.groupsTruncated,
      error: succeeded ? null : cut(result.error, 2000),
    },
    keptTestSignIns,
  );
}

/** The newest test sign-ins of a connection, newest first (at most 20 are kept). */
export async function latestTestSignIns(
  db: Db,
  orgId: string,
  connectionId: string,
  limit = 5,
): Promise<TestSignIn[]> {
  if (!isUuid(orgId) || !isUuid(connectionId)) return [];
  const rows = await store.listTestSignIns(
    db,
    orgId,
    connectionId,
    Math.max(1, Math.min(limit, keptTestSignIns)),
  );
  return rows.map((row) => ({
    id: row.id,
    connectionId: row.connection_id,
    at: row.at,
    outcome: row.outcome,
    subject: row.subject,
    email: row.email,
    attributes: row.attributes,
    groups: row.groups,
    groupsTruncated: row.groups_truncated,
    error: row.error,
  }));
}
