import type { Db } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';

/**
 * Conditions of a connection its admins should know of, set by the sign-in
 * flows and shown with the connection: for example `groupsTruncated` with
 * the time of the last sign-in whose groups the IdP cut short. Keys given
 * replace those of the same name; the others stay. Cheap enough to call at
 * each such sign-in.
 */
export async function flagConnectionHealth(
  db: Db,
  orgId: string,
  connectionId: string,
  flags: Readonly<Record<string, unknown>>,
): Promise<void> {
  await store.mergeConnectionHealth(db, orgId, connectionId, { ...flags });
}
