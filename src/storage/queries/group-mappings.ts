import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../database.ts';
import type { GroupMappingRow, JobState, MappedRole, ScimGroupRow } from '../schema.ts';
import { type PageOf, type PageRequest, toPage } from './page.ts';

export interface NewGroupMapping {
  readonly id: string;
  readonly directory_id: string | null;
  readonly connection_id: string | null;
  readonly group_key: string;
  readonly scim_group_id: string | null;
  readonly group_name: string | null;
  readonly team_id: string | null;
  readonly role: MappedRole | null;
}

/** A mapping as admins see it: with its team, its group's current name and its latest reconciliation. */
export interface GroupMappingView extends GroupMappingRow {
  readonly team_slug: string | null;
  readonly team_name: string | null;
  readonly current_group_name: string | null;
  readonly job_id: string | null;
  readonly job_state: JobState | null;
  readonly job_done: number | null;
  readonly job_total: number | null;
  readonly job_error: string | null;
  readonly job_created_at: Date | null;
  readonly job_finished_at: Date | null;
  readonly job_result: Record<string, number> | null;
}

export type MappingStatus = 'active' | 'pending' | 'stale' | 'deleting';

/** How a mapping's status follows from its row; the domain derives the same from the same columns. */
const statusConditions: Record<MappingStatus, RawBuilder<unknown>> = {
  deleting: sql`m.state = 'deleting'`,
  stale: sql`m.state = 'active' and m.stale_reason is not null`,
  pending: sql`m.state = 'active' and m.stale_reason is null and m.directory_id is not null and m.scim_group_id is null`,
  active: sql`m.state = 'active' and m.stale_reason is null and (m.connection_id is not null or m.scim_group_id is not null)`,
};

function viewQuery(orgId: string, where: RawBuilder<unknown>, tail: RawBuilder<unknown> = sql``) {
  return sql<GroupMappingView>`
    select m.*, t.slug as team_slug, t.name as team_name, g.display_name as current_group_name,
           j.id as job_id, j.state as job_state, j.done as job_done, j.total as job_total, j.error as job_error,
           j.created_at as job_created_at, j.finished_at as job_finished_at, j.result as job_result
      from group_mappings m
      left join teams t on t.org_id = m.org_id and t.id = m.team_id
      left join scim_groups g on g.id = m.scim_group_id
      left join lateral (
        select * from jobs where org_id = m.org_id and subject_id = m.id order by id desc limit 1
      ) j on true
     where m.org_id = ${orgId} and ${where}
     ${tail}
  `;
}

export async function insertGroupMapping(db: Db, orgId: string, row: NewGroupMapping): Promise<void> {
  await db
    .insertInto('group_mappings')
    .values({ org_id: orgId, ...row })
    .execute();
}

export async function findGroupMapping(
  db: Db,
  orgId: string,
  id: string,
  forUpdate = false,
): Promise<GroupMappingView | undefined> {
  if (forUpdate)
    await db
      .selectFrom('group_mappings')
      .select('id')
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .forUpdate()
      .execute();
  const { rows } = await viewQuery(orgId, sql`m.id = ${id}`).execute(db);
  return rows[0];
}

export async function listGroupMappings(
  db: Db,
  orgId: string,
  page: PageRequest,
  filter: {
    directoryId?: string | undefined;
    connectionId?: string | undefined;
    status?: MappingStatus | undefined;
  } = {},
): Promise<PageOf<GroupMappingView>> {
  const conditions = [sql`true`];
  if (filter.status) conditions.push(statusConditions[filter.status]);
  if (page.after) conditions.push(sql`m.id > ${page.after}`);
  if (filter.directoryId) conditions.push(sql`m.directory_id = ${filter.directoryId}`);
  if (filter.connectionId) conditions.push(sql`m.connection_id = ${filter.connectionId}`);
  const { rows } = await viewQuery(
    orgId,
    sql.join(conditions, sql` and `),
    sql`order by m.id limit ${page.limit + 1}`,
  ).execute(db);
  return toPage(rows, page.limit);
}

export async function updateGroupMapping(
  db: Db,
  orgId: string,
  id: string,
  patch: {
    team_id?: string | null;
    role?: MappedRole | null;
    group_name?: string | null;
    stale_reason?: null;
    state?: 'deleting';
  },
): Promise<void> {
  await db
    .updateTable('group_mappings')
    .set({ ...patch, updated_at: new Date() })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

export async function deleteGroupMapping(db: Db, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('group_mappings').where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** A directory's group as an admin names it: by SCIM id, else externalId, else displayName in any case. */
export async function findScimGroupByKey(
  db: Db,
  orgId: string,
  directoryId: string,
  key: string,
  keyIsUuid: boolean,
): Promise<Pick<ScimGroupRow, 'id' | 'display_name' | 'external_id'> | undefined> {
  const base = db
    .selectFrom('scim_groups')
    .select(['id', 'display_name', 'external_id'])
    .where('org_id', '=', orgId)
    .where('directory_id', '=', directoryId);
  if (keyIsUuid) {
    const byId = await base.where('id', '=', key.toLowerCase()).executeTakeFirst();
    if (byId) return byId;
  }
  const byExternalId = await base.where('external_id', '=', key).executeTakeFirst();
  if (byExternalId) return byExternalId;
  return base.where(sql<string>`lower(display_name)`, '=', key.toLowerCase()).executeTakeFirst();
}

/**
 * Matches the directory's waiting mappings (never matched, or whose group was
 * deleted) to a group the IdP just created or renamed, by externalId or
 * displayName. Returns the ids matched.
 */
export async function bindWaitingMappings(
  db: Db,
  orgId: string,
  directoryId: string,
  group: { id: string; displayName: string; externalId: string | null },
): Promise<string[]> {
  // One mapping per team and role takes the group, and none that one already matched has.
  const { rows } = await sql<{ id: string }>`
    update group_mappings
       set scim_group_id = ${group.id}, group_name = ${group.displayName}, stale_reason = null, updated_at = now()
     where id in (
       select distinct on (coalesce(w.team_id::text, ''), coalesce(w.role, '')) w.id
         from group_mappings w
        where w.directory_id = ${directoryId} and w.scim_group_id is null and w.org_id = ${orgId}
          and w.state = 'active'
          and (lower(w.group_key) = lower(${group.displayName}) or w.group_key = ${group.externalId})
          and not exists (
            select 1 from group_mappings o
             where o.scim_group_id = ${group.id}
               and o.team_id is not distinct from w.team_id and o.role is not distinct from w.role)
        order by coalesce(w.team_id::text, ''), coalesce(w.role, ''), w.id)
    returning id
  `.execute(db);
  return rows.map((r) => r.id);
}

/** A mapped group's new name: its mappings are flagged until an admin confirms them (or the name returns). */
export async function flagRenamedGroup(db: Db, orgId: string, groupId: string, name: string): Promise<void> {
  await sql`
    update group_mappings
       set stale_reason = case when group_name = ${name} then null else 'group_renamed' end, updated_at = now()
     where scim_group_id = ${groupId} and org_id = ${orgId}
  `.execute(db);
}

/** Before a group is deleted: its mappings are kept, flagged, and wait for a group of the same name or externalId. */
export async function flagDeletedGroup(db: Db, orgId: string, groupId: string): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    update group_mappings set stale_reason = 'group_deleted', scim_group_id = null, updated_at = now()
     where scim_group_id = ${groupId} and org_id = ${orgId}
    returning id
  `.execute(db);
  return rows.map((r) => r.id);
}

/** The active SCIM members of a group (org user ids) after `after`, in id order: what a reconciliation walks. */
export async function membersOfScimGroup(
  db: Db,
  orgId: string,
  groupId: string,
  page: { after: string | undefined; limit: number },
): Promise<{ memberId: string; userId: string }[]> {
  const after = page.after ?? '00000000-0000-0000-0000-000000000000';
  const { rows } = await sql<{ member_id: string; user_id: string }>`
    select gm.member_id, su.user_id
      from scim_group_members gm join scim_users su on su.id = gm.member_id
     where gm.group_id = ${groupId} and gm.member_id > ${after} and gm.org_id = ${orgId}
     order by gm.member_id limit ${page.limit}
  `.execute(db);
  return rows.map((r) => ({ memberId: r.member_id, userId: r.user_id }));
}

/** Users whose last sign-in through a connection named a group, after `after` in id order. */
export async function usersClaimingGroup(
  db: Db,
  orgId: string,
  connectionId: string,
  group: string,
  page: { after: string | undefined; limit: number },
): Promise<string[]> {
  const after = page.after ?? '00000000-0000-0000-0000-000000000000';
  const { rows } = await sql<{ user_id: string }>`
    select user_id from sso_identities
     where connection_id = ${connectionId} and user_id > ${after} and org_id = ${orgId}
       and ${group} = any(groups)
     order by user_id limit ${page.limit}
  `.execute(db);
  return rows.map((r) => r.user_id);
}

/** How many users a reconciliation of a mapping will look at, for its progress: its holders and its group's members. */
export async function reconcileWorkSize(db: Db, orgId: string, mapping: GroupMappingRow): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select (
      (select count(distinct user_id) from memberships where mapping_id = ${mapping.id} and org_id = ${orgId})
      + (select count(*) from role_grants where mapping_id = ${mapping.id} and org_id = ${orgId})
      + ${
        mapping.scim_group_id
          ? sql`(select member_count from scim_groups where id = ${mapping.scim_group_id} and org_id = ${orgId})`
          : mapping.connection_id
            ? sql`(select count(*) from sso_identities
                    where connection_id = ${mapping.connection_id} and org_id = ${orgId}
                      and ${mapping.group_key} = any(groups))`
            : sql`0`
      }
    )::int as n
  `.execute(db);
  return Number(rows[0]?.n ?? 0);
}
