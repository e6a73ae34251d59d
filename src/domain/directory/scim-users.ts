import { MusterError, notFound } from '../../errors.ts';
import { isUuid, newId } from '../../infra/ids/index.ts';
import type { Db, ScimJson } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { auditEventRow, type ChangeContext, recordAudit, scimCause } from '../audit/index.ts';
import { recomputeRolesOf, scimUserChanged } from '../mappings/index.ts';
import { revokeUserSessions } from '../sessions/index.ts';
import type { Directory } from '../sources/index.ts';
import { countKey, scimContext } from './context.ts';
import { type ScimListQuery, type ScimPage, scimPage } from './paging.ts';
import { profileOf, profileSnapshot } from './profile.ts';

export interface ScimUser {
  readonly id: string;
  readonly userId: string;
  readonly userName: string;
  readonly externalId: string | null;
  readonly active: boolean;
  /** The SCIM attributes as stored: canonical names, extensions under their URN. */
  readonly resource: ScimJson;
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** When read with the user: its groups by name. */
  readonly groups?: readonly { readonly id: string; readonly displayName: string }[] | undefined;
}

/** A SCIM user as the IdP wrote it: userName and externalId also live in `resource`. */
export interface ScimUserWrite {
  readonly resource: ScimJson;
  /** The request body, kept for support. */
  readonly raw: unknown;
}

function toScimUser(row: store.ScimUserListRow): ScimUser {
  return {
    groups:
      row.groups === undefined
        ? undefined
        : (row.groups ?? []).map((g) => ({ id: g.id, displayName: g.display_name })),
    id: row.id,
    userId: row.user_id,
    userName: row.user_name,
    externalId: row.external_id,
    active: row.active,
    resource: row.resource,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function fieldsOf(write: ScimUserWrite): store.ScimUserFields {
  const { resource } = write;
  const userName = typeof resource.userName === 'string' ? resource.userName : '';
  if (!userName) throw new MusterError('bad_request', 'userName is required', { scimType: 'invalidValue' });
  return {
    user_name: userName,
    external_id: typeof resource.externalId === 'string' ? resource.externalId : null,
    active: resource.active !== false,
    display_name: typeof resource.displayName === 'string' ? resource.displayName : null,
    resource,
    raw: write.raw,
  };
}

/**
 * Creates the SCIM user and links it to the org user with the same email,
 * or creates that org user: one person is one user in an org, whichever
 * source saw them first.
 */
export async function createScimUser(
  db: Db,
  directory: Directory,
  ctx: ChangeContext,
  write: ScimUserWrite,
): Promise<ScimUser> {
  const fields = fieldsOf(write);
  const id = newId();
  const profile = profileOf(fields.resource, fields.user_name);
  const { row, linked } = await store.insertLinkedScimUser(db, {
    orgId: directory.orgId,
    directoryId: directory.id,
    id,
    newUserId: newId(),
    fields,
    profile,
    status: fields.active ? 'active' : 'suspended',
    grant: { role: 'member', source: 'scim', source_id: directory.id },
    audit: auditEventRow(scimContext(directory, ctx), directory.orgId, {
      action: 'scim.user_created',
      target: { type: 'user', id: null },
      // The profile too: the events feed tells the application who was created.
      after: { scimId: id, userName: fields.user_name, active: fields.active, ...profileSnapshot(profile) },
    }),
    linkedAction: 'scim.user_linked',
  });
  // Linked, inactive, to a user who may have signed in before: those sessions end with it. A user
  // just created has none.
  if (linked && !fields.active)
    await db
      .transaction()
      .execute((trx) =>
        revokeUserSessions(trx, directory.orgId, row.user_id, 'user_suspended', scimContext(directory, ctx)),
      );
  return toScimUser(row);
}

export async function getScimUser(db: Db, directory: Directory, id: string): Promise<ScimUser> {
  const row = isUuid(id)
    ? await store.findScimUser(db, directory.orgId, directory.id, id.toLowerCase())
    : undefined;
  if (!row) throw notFound('User');
  return toScimUser(row);
}

/**
 * Replaces the user's attributes if it is still at `version` (else 412 for an
 * If-Match, or `undefined` so a PATCH can read and apply again).
 */
export async function replaceScimUser(
  db: Db,
  directory: Directory,
  ctx: ChangeContext,
  current: ScimUser,
  write: ScimUserWrite,
): Promise<ScimUser | undefined> {
  const fields = fieldsOf(write);
  return db.transaction().execute(async (trx) => {
    const row = await store.updateScimUser(
      trx,
      directory.orgId,
      directory.id,
      current.id,
      current.version,
      fields,
    );
    if (!row) return undefined;
    const status = fields.active ? 'active' : 'suspended';
    const profile = profileOf(fields.resource, fields.user_name);
    await store.updateUser(trx, directory.orgId, current.userId, { ...profile, status });
    const after = toScimUser(row);
    // A user the directory no longer holds active keeps nothing its group mappings granted.
    if (current.active !== after.active) await scimUserChanged(trx, directory, current.userId, ctx);
    if (current.active && !after.active)
      await revokeUserSessions(
        trx,
        directory.orgId,
        current.userId,
        'user_suspended',
        scimContext(directory, ctx),
      );
    const action =
      current.active === after.active
        ? 'scim.user_updated'
        : after.active
          ? 'scim.user_reactivated'
          : 'scim.user_suspended';
    await recordAudit(trx, scimContext(directory, ctx), directory.orgId, {
      action,
      target: { type: 'user', id: current.userId },
      before: { userName: current.userName, active: current.active },
      after: {
        userName: after.userName,
        active: after.active,
        ...profileSnapshot(profile),
      },
    });
    return after;
  });
}

/**
 * Removes the SCIM user and what this directory granted; the org user is then
 * suspended or deleted as the directory says, unless another source holds it.
 */
export async function deleteScimUser(
  db: Db,
  directory: Directory,
  ctx: ChangeContext,
  id: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = isUuid(id)
      ? await store.findScimUser(trx, directory.orgId, directory.id, id.toLowerCase(), true)
      : undefined;
    if (!row) throw notFound('User');
    await store.deleteScimUser(trx, directory.orgId, directory.id, row.id);
    await store.revokeSourceGrants(trx, directory.orgId, row.user_id, 'scim', directory.id);
    await scimUserChanged(trx, directory, row.user_id, ctx);
    await recomputeRolesOf(trx, directory.orgId, [row.user_id], scimCause(ctx));
    const heldElsewhere = await store.hasOtherGrants(trx, directory.orgId, row.user_id, 'scim', directory.id);
    if (!heldElsewhere && directory.userDeletion === 'delete')
      await store.deleteUser(trx, directory.orgId, row.user_id);
    else if (!heldElsewhere) {
      await store.updateUser(trx, directory.orgId, row.user_id, { status: 'suspended' });
      await revokeUserSessions(
        trx,
        directory.orgId,
        row.user_id,
        'user_suspended',
        scimContext(directory, ctx),
      );
    }
    await recordAudit(trx, scimContext(directory, ctx), directory.orgId, {
      action: 'scim.user_deleted',
      target: { type: 'user', id: row.user_id },
      before: { scimId: row.id, userName: row.user_name },
      after: heldElsewhere ? null : { status: directory.userDeletion === 'delete' ? 'deleted' : 'suspended' },
    });
    await store.adjustDirectoryCount(trx, countKey(directory, row.id), 'user_count', -1);
  });
}

/** Unfiltered, totalResults is the sum of the directory's kept counts. */
export async function listScimUsers(
  db: Db,
  directory: Directory,
  query: ScimListQuery,
): Promise<ScimPage<ScimUser>> {
  const { filter, paging } = query;
  const read = (page: { offset: number; limit: number; after?: string | undefined; fromEnd?: boolean }) =>
    store.listScimUsers(db, directory.orgId, directory.id, {
      ...page,
      filter,
      sort: query.sort,
      withGroups: query.withGroups,
    });
  const kept = async () => (await store.readDirectoryCounts(db, directory.orgId, directory.id)).user_count;
  if (!filter && !query.sort && paging.kind === 'index' && paging.count > 0) {
    // Skipping rows costs what it skips, so a page past the middle is counted back from the end.
    const total = await kept();
    const skipped = paging.startIndex - 1;
    if (skipped >= total) return { total, items: [] };
    if (skipped > total / 2) {
      const end = Math.min(skipped + paging.count, total);
      const rows = await read({ offset: total - end, limit: end - skipped, fromEnd: true });
      return { total, items: rows.map(toScimUser) };
    }
    return { total, items: (await read({ offset: skipped, limit: paging.count })).map(toScimUser) };
  }
  const count = async () =>
    filter ? store.countScimUsers(db, directory.orgId, directory.id, filter) : kept();
  return scimPage(count, paging, async (page) => (await read(page)).map(toScimUser));
}
