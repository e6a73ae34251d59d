import type { Db } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import type { ScimRequestLog } from './scim-log.ts';

/** When someone last signed in through each of the connections; absent where nobody has. */
export function lastSignIns(
  db: Db,
  orgId: string,
  connectionIds: readonly string[],
): Promise<ReadonlyMap<string, Date>> {
  return store.lastSignInsOfConnections(db, orgId, connectionIds);
}

/**
 * When each directory's IdP last sent a SCIM request; absent where none has.
 * The log is flushed first, so a request that has finished is counted.
 */
export async function lastScimRequests(
  db: Db,
  log: ScimRequestLog,
  orgId: string,
  directoryIds: readonly string[],
): Promise<ReadonlyMap<string, Date>> {
  if (directoryIds.length === 0) return new Map();
  await log.flush();
  return store.lastScimRequestsOfDirectories(db, orgId, directoryIds);
}
