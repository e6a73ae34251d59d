import { newId } from '../../infra/ids/index.ts';
import type { ChangeCause, Db, GrantChange, MappingScope, OrgRole, UserScope } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';

/**
 * The one function every IdP event goes through: SCIM group member changes,
 * group creates and deletes, user deactivation, each sign-in's group claims
 * and every reconciliation. It computes what the mappings in scope should
 * grant the users in scope, applies the difference in the caller's
 * transaction, and recomputes the roles it touched. Each grant it adds or
 * takes back, and each role it changes, is an audit event carrying `cause`.
 */

export interface EngineResult {
  readonly added: number;
  readonly removed: number;
  readonly roleChanges: readonly { userId: string; from: OrgRole; to: OrgRole }[];
}

const nothing: EngineResult = { added: 0, removed: 0, roleChanges: [] };

// Keeps each statement's arrays well inside what one bind message carries.
const chunkSize = 5_000;

export async function syncGrants(
  trx: Db,
  orgId: string,
  mappings: MappingScope,
  users: UserScope,
  cause: ChangeCause,
): Promise<EngineResult> {
  const listed = 'userIds' in users ? users.userIds : users.scimUserIds;
  if (listed.length === 0) return nothing;
  // Most groups are mapped to nothing: one indexed read and the event costs no more.
  if (!('mappingIds' in mappings) && (await store.mappingIdsIn(trx, orgId, mappings)).length === 0)
    return nothing;
  const userIds =
    'userIds' in users ? [...new Set(users.userIds)].sort() : await store.userIdsOf(trx, orgId, users);
  let result = nothing;
  for (let i = 0; i < userIds.length; i += chunkSize) {
    const part = await syncChunk(trx, orgId, mappings, userIds.slice(i, i + chunkSize), cause);
    result = {
      added: result.added + part.added,
      removed: result.removed + part.removed,
      roleChanges: [...result.roleChanges, ...part.roleChanges],
    };
  }
  return result;
}

async function syncChunk(
  trx: Db,
  orgId: string,
  mappings: MappingScope,
  userIds: string[],
  cause: ChangeCause,
): Promise<EngineResult> {
  // Locked before computing, so a concurrent change to the same users is seen whole, never half.
  await store.lockUsers(trx, orgId, userIds);
  const changes = await store.computeGrantChanges(trx, orgId, mappings, { userIds });
  if (changes.length === 0) return nothing;
  const withEvents = changes.map((change: GrantChange) => ({ ...change, eventId: newId() }));
  await store.applyMembershipChanges(trx, orgId, withEvents, cause);
  const touched = await store.applyRoleGrantChanges(trx, orgId, withEvents, cause);
  const roleChanges = await store.recomputeRoles(
    trx,
    orgId,
    touched.map((userId) => ({ userId, eventId: newId() })),
    cause,
  );
  return {
    added: changes.filter((c) => c.op === 'add').length,
    removed: changes.filter((c) => c.op === 'remove').length,
    roleChanges,
  };
}

/** Recomputes roles after a change outside the mappings (a manual grant, a source removed). */
export function recomputeRolesOf(
  trx: Db,
  orgId: string,
  userIds: readonly string[],
  cause: ChangeCause,
): Promise<{ userId: string; from: OrgRole; to: OrgRole }[]> {
  return store.recomputeRoles(
    trx,
    orgId,
    userIds.map((userId) => ({ userId, eventId: newId() })),
    cause,
  );
}
