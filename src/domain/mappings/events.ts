import type { Db } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { type ChangeContext, causeOf, scimCause } from '../audit/index.ts';
import { enqueueJob } from '../jobs/index.ts';
import { type EngineResult, syncGrants } from './engine.ts';
import { reconcileKind } from './reconcile.ts';

/**
 * The IdP events that move mapped grants, each applied in the transaction of
 * the write that caused it. A directory is named by its org and id.
 */
export interface DirectoryRef {
  readonly orgId: string;
  readonly id: string;
}

export interface GroupRef {
  readonly id: string;
  readonly displayName: string;
  readonly externalId: string | null;
}

/** Members added to or removed from a SCIM group. */
export function scimMembersChanged(
  trx: Db,
  directory: DirectoryRef,
  groupId: string,
  scimUserIds: readonly string[],
  ctx: ChangeContext,
): Promise<EngineResult> {
  return syncGrants(trx, directory.orgId, { scimGroupId: groupId }, { scimUserIds }, scimCause(ctx));
}

/** A new group: mappings waiting for its name or externalId take it, and its first members their grants. */
export async function scimGroupCreated(
  trx: Db,
  directory: DirectoryRef,
  group: GroupRef,
  memberScimIds: readonly string[],
  ctx: ChangeContext,
): Promise<void> {
  const bound = await store.bindWaitingMappings(trx, directory.orgId, directory.id, group);
  if (bound.length > 0)
    await syncGrants(
      trx,
      directory.orgId,
      { mappingIds: bound },
      { scimUserIds: memberScimIds },
      scimCause(ctx),
    );
}

/**
 * A group renamed or given another externalId: its mappings keep it (they
 * follow its id) but are flagged for an admin to confirm; mappings waiting
 * for the new name take it, and a reconciliation grants its members.
 * Returns whether jobs were queued.
 */
export async function scimGroupRenamed(trx: Db, directory: DirectoryRef, group: GroupRef): Promise<boolean> {
  await store.flagRenamedGroup(trx, directory.orgId, group.id, group.displayName);
  const bound = await store.bindWaitingMappings(trx, directory.orgId, directory.id, group);
  for (const mappingId of bound)
    await enqueueJob(trx, { orgId: directory.orgId, kind: reconcileKind, subjectId: mappingId });
  return bound.length > 0;
}

/**
 * A group deleted: its mappings stay, flagged, waiting for a group of the
 * same name or externalId; what they granted goes now, with the group.
 */
export async function scimGroupDeleted(
  trx: Db,
  directory: DirectoryRef,
  groupId: string,
  ctx: ChangeContext,
): Promise<void> {
  const flagged = await store.flagDeletedGroup(trx, directory.orgId, groupId);
  for (const mappingId of flagged) {
    let after: string | undefined;
    for (;;) {
      const holders = await store.holdersOfMapping(trx, directory.orgId, mappingId, { after, limit: 5_000 });
      if (holders.length === 0) break;
      await syncGrants(
        trx,
        directory.orgId,
        { mappingIds: [mappingId] },
        { userIds: holders },
        scimCause(ctx),
      );
      after = holders.at(-1);
    }
  }
}

/**
 * A SCIM user deactivated, reactivated or deleted: a user the directory
 * does not hold active keeps nothing its mappings granted.
 */
export function scimUserChanged(
  trx: Db,
  directory: DirectoryRef,
  userId: string,
  ctx: ChangeContext,
): Promise<EngineResult> {
  return syncGrants(
    trx,
    directory.orgId,
    { directoryId: directory.id },
    { userIds: [userId] },
    scimCause(ctx),
  );
}

/**
 * A sign-in through a connection: its group claim values replace those of
 * the last sign-in, and the connection's mappings follow them. A group the
 * claims no longer name takes back what it granted.
 */
export async function ssoGroupsClaimed(
  trx: Db,
  login: {
    orgId: string;
    connectionId: string;
    subject: string;
    userId: string;
    groups: readonly string[];
    groupsTruncated: boolean;
    loginId: string;
  },
  ctx: ChangeContext,
): Promise<EngineResult> {
  await store.recordSsoIdentity(trx, login.orgId, login);
  return syncGrants(
    trx,
    login.orgId,
    { connectionId: login.connectionId },
    { userIds: [login.userId] },
    causeOf(ctx, { type: 'login', id: login.loginId }),
  );
}
