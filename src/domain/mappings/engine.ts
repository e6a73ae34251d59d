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
  const scope =
    'mappingIds' in mappings ? mappings : { mappingIds: await store.mappingIdsIn(trx, orgId, mappings) };
  if (scope.mappingIds.length === 0) return nothing;
  let result = nothing;
  for (let i = 0; i < listed.length; i += chunkSize) {
    const part = listed.slice(i, i + chunkSize);
    const chunk = 'userIds' in users ? { userIds: part } : { scimUserIds: part };
    const next = await syncChunk(trx, orgId, scope, chunk, cause);
    result = {
      added: result.added + next.added,
      removed: result.removed + next.removed,
      roleChanges: [...result.roleChanges, ...next.roleChanges],
    };
  }
  return result;
}

async function syncChunk(
  trx: Db,
  orgId: string,
  mappings: MappingScope,
  users: UserScope,
  cause: ChangeCause,
): Promise<EngineResult> {
  // Locked before computing, so a concurrent change to the same users is seen whole, never half.
  const userIds = await store.lockUsers(trx, orgId, users);
  if (userIds.length === 0) return nothing;
  const changes = await store.computeGrantChanges(trx, orgId, mappings, { userIds });
  if (changes.length === 0) return nothing;
  const withEvents = changes.map((change: GrantChange) => ({ ...change, eventId: newId() }));
  await store.applyGrantChanges(trx, orgId, 'team', withEvents, cause);
  const touched = await store.applyGrantChanges(trx, orgId, 'role', withEvents, cause);
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
