import { MusterError, notFound } from '../../errors.ts';
import { isUuid } from '../../infra/ids/index.ts';
import type { Db, MappedRole } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { getTeam } from '../orgs/index.ts';

/** Turning what an admin names (a team, a directory's group, a role) into what a mapping stores. */

const mappedRoles: readonly string[] = ['admin', 'member'];

export interface SourceInput {
  readonly directory?: string | undefined;
  readonly connection?: string | undefined;
  readonly group: string;
}

export function unprocessable(path: string, message: string): MusterError {
  return new MusterError('unprocessable', message, { details: [{ path, message }] });
}

export function checkRole(role: string | null | undefined): MappedRole | null {
  if (role === undefined || role === null) return null;
  if (!mappedRoles.includes(role)) throw unprocessable('role', 'A mapping grants the role admin or member');
  return role as MappedRole;
}

export async function resolveTeam(
  db: Db,
  orgId: string,
  ref: string | null | undefined,
): Promise<string | null> {
  if (ref === undefined || ref === null) return null;
  try {
    return (await getTeam(db, orgId, ref)).id;
  } catch (error) {
    if (error instanceof MusterError && error.code === 'not_found')
      throw unprocessable('team', `There is no team "${ref}" in this organization`);
    throw error;
  }
}

/** The mapping's source and, for a directory, the group it names as the IdP pushed it (if it did). */
export async function resolveSource(db: Db, orgId: string, source: SourceInput) {
  const group = source.group;
  if (source.directory !== undefined) {
    const directoryId = source.directory.toLowerCase();
    const directory = isUuid(directoryId) ? await store.findDirectory(db, orgId, directoryId) : undefined;
    if (!directory)
      throw unprocessable('source.directory', 'There is no such directory in this organization');
    const found = await store.findScimGroupByKey(db, orgId, directoryId, group, isUuid(group));
    return {
      directory_id: directoryId,
      connection_id: null,
      scim_group_id: found?.id ?? null,
      group_name: found?.display_name ?? null,
    };
  }
  const connectionId = (source.connection ?? '').toLowerCase();
  const connection = isUuid(connectionId) ? await store.findConnection(db, orgId, connectionId) : undefined;
  if (!connection)
    throw unprocessable('source.connection', 'There is no such connection in this organization');
  return { directory_id: null, connection_id: connectionId, scim_group_id: null, group_name: null };
}

export async function readMapping(db: Db, orgId: string, id: string, forUpdate = false) {
  const row = isUuid(id) ? await store.findGroupMapping(db, orgId, id.toLowerCase(), forUpdate) : undefined;
  if (!row) throw notFound('Group mapping');
  return row;
}
