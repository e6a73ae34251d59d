import { sql } from 'kysely';
import type { Db } from '../database.ts';
import type { MappedRole, OrgRole } from '../schema.ts';

export interface PreviewInput {
  /** Whose membership the proposed mapping follows; null when it follows none (a deletion). */
  readonly members:
    | { readonly scimGroupId: string }
    | { readonly connectionId: string; readonly group: string }
    | null;
  /** The mapping the proposal replaces (a change or a deletion), if any. */
  readonly replaces: string | null;
  readonly teamId: string | null;
  readonly role: MappedRole | null;
}

export interface PreviewRow {
  readonly considered: number;
  readonly adds: number;
  readonly removes: number;
  readonly role_changes: number;
  readonly add_sample: { id: string; email: string }[] | null;
  readonly remove_sample: { id: string; email: string }[] | null;
  readonly role_sample: { id: string; email: string; from: OrgRole; to: OrgRole }[] | null;
}

const none = '00000000-0000-0000-0000-000000000000';

/**
 * What a proposed mapping would do, without doing it: which users would join
 * its team, which would leave the team of the mapping it replaces (holding it
 * through nothing else), and whose effective role would change. Read only.
 */
export async function previewMappingChange(db: Db, orgId: string, input: PreviewInput): Promise<PreviewRow> {
  const members = input.members;
  const followed = !members
    ? sql`select null::uuid as user_id where false`
    : 'scimGroupId' in members
      ? sql`select su.user_id from scim_group_members gm join scim_users su on su.id = gm.member_id
             where gm.group_id = ${members.scimGroupId} and gm.org_id = ${orgId} and su.active`
      : sql`select user_id from sso_identities
             where connection_id = ${members.connectionId} and org_id = ${orgId} and ${members.group} = any(groups)`;
  const replaced = input.replaces ?? none;
  const { rows } = await sql<PreviewRow>`
    with x as (select team_id from group_mappings where org_id = ${orgId} and id = ${replaced}),
    s as (${followed}),
    h as (
      select user_id from memberships where mapping_id = ${replaced} and org_id = ${orgId}
      union select user_id from role_grants where mapping_id = ${replaced} and org_id = ${orgId}
    ),
    u as (
      select user_id, bool_or(in_s) as in_s
        from (select user_id, true as in_s from s union all select user_id, false from h) x
       group by user_id
    ),
    t as (
      select usr.id, usr.email, usr.role, usr.role_pinned, u.in_s
        from u join users usr on usr.org_id = ${orgId} and usr.id = u.user_id
    ),
    e as (
      select t.*,
        (${input.teamId}::uuid is not null and t.in_s and not exists (
           select 1 from memberships m where m.org_id = ${orgId} and m.user_id = t.id and m.team_id = ${input.teamId}::uuid)
        ) as adds,
        (exists (select 1 from memberships m where m.org_id = ${orgId} and m.user_id = t.id and m.mapping_id = ${replaced})
         and not exists (
           select 1 from memberships m
            where m.org_id = ${orgId} and m.user_id = t.id and m.team_id = (select team_id from x)
              and m.mapping_id is distinct from ${replaced}::uuid)
         and not (t.in_s and ${input.teamId}::uuid is not distinct from (select team_id from x))
        ) as removes,
        case when t.role_pinned then t.role else coalesce((
          select r from (
            select g.role as r from role_grants g
             where g.org_id = ${orgId} and g.user_id = t.id and g.mapping_id is distinct from ${replaced}::uuid
            union all select ${input.role}::text where t.in_s and ${input.role}::text is not null
          ) rr order by case r when 'owner' then 0 when 'admin' then 1 else 2 end limit 1), 'member') end as new_role
      from t
    )
    select count(*)::int as considered,
           (count(*) filter (where adds))::int as adds,
           (count(*) filter (where removes))::int as removes,
           (count(*) filter (where new_role <> role))::int as role_changes,
           (array_agg(json_build_object('id', id, 'email', email) order by email) filter (where adds))[1:5] as add_sample,
           (array_agg(json_build_object('id', id, 'email', email) order by email) filter (where removes))[1:5] as remove_sample,
           (array_agg(json_build_object('id', id, 'email', email, 'from', role, 'to', new_role) order by email)
              filter (where new_role <> role))[1:5] as role_sample
      from e
  `.execute(db);
  const row = rows[0];
  if (!row) throw new Error('the preview returned no row');
  return row;
}
