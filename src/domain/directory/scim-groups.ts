import { MusterError, notFound } from '../../errors.ts';
import { isUuid, newId } from '../../infra/ids/index.ts';
import type { Db, ScimGroupRow, ScimJson } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { type ChangeContext, recordAudit } from '../audit/index.ts';
import { notifyJobsQueued } from '../jobs/index.ts';
import {
  scimGroupCreated,
  scimGroupDeleted,
  scimGroupRenamed,
  scimMembersChanged,
} from '../mappings/index.ts';
import type { Directory } from '../sources/index.ts';
import { countKey, scimContext } from './context.ts';
import { type ScimListQuery, type ScimPage, scimPage } from './paging.ts';

export interface ScimGroup {
  readonly id: string;
  readonly displayName: string;
  readonly externalId: string | null;
  readonly resource: ScimJson;
  readonly memberCount: number;
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What a write does to a group's members; the members themselves are never loaded to do it. */
export interface MemberChanges {
  readonly add: readonly string[];
  readonly remove: readonly string[];
  readonly replaceAll?: readonly string[] | undefined;
  readonly removeAll?: boolean | undefined;
}

export interface GroupWrite {
  /** The group's own attributes, when they change. */
  readonly resource?: ScimJson | undefined;
  readonly members: MemberChanges;
  readonly raw: unknown;
}

// Keeps each statement well under PostgreSQL's limit of 65,535 bound parameters.
const chunkSize = 5_000;

const groupRef = (group: ScimGroup) => ({
  id: group.id,
  displayName: group.displayName,
  externalId: group.externalId,
});

function toGroup(row: ScimGroupRow): ScimGroup {
  return {
    id: row.id,
    displayName: row.display_name,
    externalId: row.external_id,
    resource: row.resource,
    memberCount: row.member_count,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function fieldsOf(resource: ScimJson, raw: unknown): store.ScimGroupFields {
  const displayName = typeof resource.displayName === 'string' ? resource.displayName : '';
  if (!displayName)
    throw new MusterError('bad_request', 'displayName is required', { scimType: 'invalidValue' });
  return {
    display_name: displayName,
    external_id: typeof resource.externalId === 'string' ? resource.externalId : null,
    resource,
    raw,
  };
}

function memberIds(ids: readonly string[]): string[] {
  for (const id of ids) {
    if (!isUuid(id))
      throw new MusterError('bad_request', `"${id}" is not a user of this directory`, {
        scimType: 'invalidValue',
      });
  }
  return [...new Set(ids.map((id) => id.toLowerCase()))];
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += chunkSize) out.push(items.slice(i, i + chunkSize));
  return out;
}

/** Applies member changes as row inserts and deletes; returns the members added and removed. */
async function applyMembers(
  trx: Db,
  directory: Directory,
  groupId: string,
  changes: MemberChanges,
): Promise<{ added: string[]; removed: string[] }> {
  const key = { orgId: directory.orgId, directoryId: directory.id, groupId };
  const added: string[] = [];
  const removed: string[] = [];
  // A member that is no user of this directory is refused, never dropped: the IdP would take it as added.
  const add = async (ids: readonly string[]) => {
    for (const chunk of chunks(memberIds(ids))) {
      const result = await store.addScimGroupMembers(trx, key, chunk);
      if (result.unknown.length > 0)
        throw new MusterError('bad_request', `"${result.unknown[0]}" is not a user of this directory`, {
          scimType: 'invalidValue',
        });
      added.push(...result.added);
    }
  };
  if (changes.replaceAll) {
    const wanted = memberIds(changes.replaceAll);
    removed.push(...(await store.keepOnlyScimGroupMembers(trx, key, wanted)));
    await add(wanted);
    return { added, removed };
  }
  if (changes.removeAll) removed.push(...(await store.removeScimGroupMembers(trx, key, 'all')));
  else
    for (const chunk of chunks(memberIds(changes.remove)))
      removed.push(...(await store.removeScimGroupMembers(trx, key, chunk)));
  await add(changes.add);
  return { added, removed };
}

export async function createScimGroup(
  db: Db,
  directory: Directory,
  ctx: ChangeContext,
  write: { resource: ScimJson; members: readonly string[]; raw: unknown },
): Promise<ScimGroup> {
  const fields = fieldsOf(write.resource, write.raw);
  return db.transaction().execute(async (trx) => {
    const id = newId();
    await store.insertScimGroup(trx, { orgId: directory.orgId, directoryId: directory.id, id }, fields);
    const { added } = await applyMembers(trx, directory, id, { add: write.members, remove: [] });
    const row =
      added.length === 0 ? await store.findScimGroup(trx, directory.orgId, directory.id, id) : undefined;
    const group = toGroup(
      row ?? (await store.updateScimGroup(trx, directory.orgId, id, { memberDelta: added.length })),
    );
    await scimGroupCreated(trx, directory, groupRef(group), added, ctx);
    await recordAudit(trx, scimContext(directory, ctx), directory.orgId, {
      action: 'scim.group_created',
      target: { type: 'scim_group', id },
      after: { displayName: group.displayName, members: group.memberCount },
    });
    await store.adjustDirectoryCount(trx, countKey(directory, id), 'group_count', 1);
    return group;
  });
}

export async function getScimGroup(db: Db, directory: Directory, id: string): Promise<ScimGroup> {
  const row = isUuid(id)
    ? await store.findScimGroup(db, directory.orgId, directory.id, id.toLowerCase())
    : undefined;
  if (!row) throw notFound('Group');
  return toGroup(row);
}

/** Each user's groups (id and name), keyed by SCIM user id. */
export async function groupsOfUsers(
  db: Db,
  directory: Directory,
  userIds: readonly string[],
): Promise<Map<string, { id: string; displayName: string }[]>> {
  const byUser = new Map<string, { id: string; displayName: string }[]>();
  for (const row of await store.listGroupsOfScimUsers(db, directory.orgId, userIds)) {
    const list = byUser.get(row.member_id) ?? [];
    list.push({ id: row.id, displayName: row.display_name });
    byUser.set(row.member_id, list);
  }
  return byUser;
}

export async function listGroupMembers(db: Db, directory: Directory, groupId: string) {
  return store.listScimGroupMembers(db, directory.orgId, groupId);
}

/**
 * Changes a group under a row lock, so concurrent writers of one group (Entra
 * sends member PATCHes in parallel) queue rather than lose each other's work.
 * `plan` sees the group as it is under the lock and says what to write. The
 * members added and removed move their mapped grants in the same transaction.
 */
export async function changeScimGroup(
  db: Db,
  directory: Directory,
  ctx: ChangeContext,
  id: string,
  plan: (current: ScimGroup) => GroupWrite,
): Promise<ScimGroup> {
  let queued = false;
  const group = await db.transaction().execute(async (trx) => {
    const row = isUuid(id)
      ? await store.findScimGroup(trx, directory.orgId, directory.id, id.toLowerCase(), true)
      : undefined;
    if (!row) throw notFound('Group');
    const current = toGroup(row);
    const write = plan(current);
    const { added, removed } = await applyMembers(trx, directory, current.id, write.members);
    const fields = write.resource ? fieldsOf(write.resource, write.raw) : undefined;
    if (!fields && added.length === 0 && removed.length === 0) return current;
    const after = toGroup(
      await store.updateScimGroup(trx, directory.orgId, current.id, {
        fields,
        memberDelta: added.length - removed.length,
      }),
    );
    await scimMembersChanged(trx, directory, current.id, [...added, ...removed], ctx);
    if (after.displayName !== current.displayName || after.externalId !== current.externalId)
      queued = await scimGroupRenamed(trx, directory, groupRef(after));
    await recordAudit(trx, scimContext(directory, ctx), directory.orgId, {
      action: after.displayName === current.displayName ? 'scim.group_updated' : 'scim.group_renamed',
      target: { type: 'scim_group', id: current.id },
      before: { displayName: current.displayName, members: current.memberCount },
      after: { displayName: after.displayName, members: after.memberCount },
    });
    return after;
  });
  if (queued) notifyJobsQueued();
  return group;
}

export async function deleteScimGroup(
  db: Db,
  directory: Directory,
  ctx: ChangeContext,
  id: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = isUuid(id)
      ? await store.findScimGroup(trx, directory.orgId, directory.id, id.toLowerCase(), true)
      : undefined;
    if (!row) throw notFound('Group');
    await scimGroupDeleted(trx, directory, row.id, ctx);
    await store.deleteScimGroup(trx, directory.orgId, directory.id, row.id);
    await recordAudit(trx, scimContext(directory, ctx), directory.orgId, {
      action: 'scim.group_deleted',
      target: { type: 'scim_group', id: row.id },
      before: { displayName: row.display_name, members: row.member_count },
    });
    await store.adjustDirectoryCount(trx, countKey(directory, row.id), 'group_count', -1);
  });
}

/** Unfiltered, totalResults is the sum of the directory's kept counts. */
export async function listScimGroups(
  db: Db,
  directory: Directory,
  query: ScimListQuery,
): Promise<ScimPage<ScimGroup>> {
  const { filter } = query;
  const count = async () =>
    filter
      ? store.countScimGroups(db, directory.orgId, directory.id, filter)
      : (await store.readDirectoryCounts(db, directory.orgId, directory.id)).group_count;
  return scimPage(count, query.paging, async (page) =>
    (
      await store.listScimGroups(db, directory.orgId, directory.id, {
        ...page,
        filter,
        sort: query.sort,
      })
    ).map(toGroup),
  );
}
