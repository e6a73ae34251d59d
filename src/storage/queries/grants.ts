import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../database.ts';
import type { ActorType, MappedRole, OrgRole } from '../schema.ts';

/**
 * The grants group mappings make, as change sets: what a set of users should
 * hold through a set of mappings, against what they hold, computed in one
 * statement and applied in a few set-based ones.
 */

/** One grant a mapping makes or takes back: a team membership or an org role. */
export interface GrantChange {
  readonly op: 'add' | 'remove';
  readonly userId: string;
  readonly mappingId: string;
  readonly source: 'scim' | 'sso';
  readonly teamId: string | null;
  readonly role: MappedRole | null;
}

/** Which mappings a computation considers. */
export type MappingScope =
  | { readonly mappingIds: readonly string[] }
  | { readonly scimGroupId: string }
  | { readonly directoryId: string }
  | { readonly connectionId: string };

/** Whose grants: org users, or the org users behind SCIM users of one directory. */
export type UserScope = { readonly userIds: readonly string[] } | { readonly scimUserIds: readonly string[] };

/** Who and what caused a change, written on each audit event the change makes. */
export interface ChangeCause {
  readonly actorType: ActorType;
  readonly actorId: string | null;
  readonly requestId: string | null;
  /** `{type: 'scim_request' | 'login' | 'mapping' | 'admin', id}`: the event behind the change. */
  readonly cause: Readonly<Record<string, unknown>>;
}

const uuids = (ids: readonly string[]) => sql`${sql.val([...ids])}::uuid[]`;

function mappingFilter(orgId: string, scope: MappingScope): RawBuilder<unknown> {
  if ('mappingIds' in scope)
    return sql`select * from group_mappings where org_id = ${orgId} and id = any(${uuids(scope.mappingIds)})`;
  if ('scimGroupId' in scope)
    return sql`select * from group_mappings where scim_group_id = ${scope.scimGroupId} and org_id = ${orgId}`;
  if ('directoryId' in scope)
    return sql`select * from group_mappings where directory_id = ${scope.directoryId} and org_id = ${orgId}`;
  return sql`select * from group_mappings where connection_id = ${scope.connectionId} and org_id = ${orgId}`;
}

function userFilter(orgId: string, scope: UserScope): RawBuilder<unknown> {
  if ('userIds' in scope) return sql`select distinct unnest(${uuids(scope.userIds)}) as user_id`;
  return sql`select distinct user_id from scim_users where org_id = ${orgId} and id = any(${uuids(scope.scimUserIds)})`;
}

/** The ids of the mappings in a scope, to learn cheaply whether anything is mapped at all. */
export async function mappingIdsIn(db: Db, orgId: string, scope: MappingScope): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`select id from (${mappingFilter(orgId, scope)}) m`.execute(db);
  return rows.map((r) => r.id);
}

/**
 * Locks the users' rows in id order, so engines changing the same user queue
 * one behind the other and each computes from what the previous one
 * committed. Returns the ids locked: SCIM users are named by the org users
 * behind them.
 */
export async function lockUsers(db: Db, orgId: string, users: UserScope): Promise<string[]> {
  const ids =
    'userIds' in users
      ? sql`select unnest(${uuids(users.userIds)})`
      : sql`select user_id from scim_users where org_id = ${orgId} and id = any(${uuids(users.scimUserIds)})`;
  const { rows } = await sql<{ id: string }>`
    select id from users where org_id = ${orgId} and id in (${ids}) order by id for update
  `.execute(db);
  return rows.map((r) => r.id);
}

/**
 * What the mappings in scope should grant the users in scope, against what
 * they grant now. A directory mapping grants to the active SCIM members of
 * its bound group; a connection mapping to users whose last sign-in named
 * its group. A mapping being deleted grants nothing.
 */
export async function computeGrantChanges(
  db: Db,
  orgId: string,
  mappings: MappingScope,
  users: UserScope,
): Promise<GrantChange[]> {
  const { rows } = await sql<{
    op: 'add' | 'remove';
    user_id: string;
    mapping_id: string;
    source: 'scim' | 'sso';
    team_id: string | null;
    role: MappedRole | null;
  }>`
    with m as (${mappingFilter(orgId, mappings)}),
    u as (${userFilter(orgId, users)}),
    desired as (
      select u.user_id, m.id as mapping_id, m.team_id, m.role,
             case when m.directory_id is null then 'sso' else 'scim' end as source
        from m cross join u
       where m.state = 'active' and (
         (m.scim_group_id is not null and exists (
            select 1 from scim_users su
              join scim_group_members gm on gm.member_id = su.id and gm.group_id = m.scim_group_id
             where su.directory_id = m.directory_id and su.user_id = u.user_id and su.active))
         or (m.connection_id is not null and exists (
            select 1 from sso_identities i
             where i.connection_id = m.connection_id and i.user_id = u.user_id and m.group_key = any(i.groups))))
    )
    select 'add' as op, d.user_id, d.mapping_id, d.source, d.team_id, null as role
      from desired d
     where d.team_id is not null and not exists (
       select 1 from memberships x
        where x.org_id = ${orgId} and x.team_id = d.team_id and x.user_id = d.user_id
          and x.source = d.source and x.source_id = d.mapping_id::text)
    union all
    select 'remove', x.user_id, x.mapping_id, x.source, x.team_id, null
      from memberships x
     where x.mapping_id in (select id from m) and x.user_id in (select user_id from u) and x.org_id = ${orgId}
       and not exists (
         select 1 from desired d where d.user_id = x.user_id and d.mapping_id = x.mapping_id and d.team_id = x.team_id)
    union all
    select 'add', d.user_id, d.mapping_id, d.source, null, d.role
      from desired d
     where d.role is not null and not exists (
       select 1 from role_grants g
        where g.org_id = ${orgId} and g.user_id = d.user_id and g.source = d.source
          and g.source_id = d.mapping_id::text and g.role = d.role)
    union all
    select 'remove', g.user_id, g.mapping_id, g.source, null, g.role
      from role_grants g
     where g.mapping_id in (select id from m) and g.user_id in (select user_id from u) and g.org_id = ${orgId}
       and not exists (
         select 1 from desired d where d.user_id = g.user_id and d.mapping_id = g.mapping_id and d.role = g.role)
  `.execute(db);
  return rows.map((r) => ({
    op: r.op,
    userId: r.user_id,
    mappingId: r.mapping_id,
    source: r.source,
    teamId: r.team_id,
    role: r.role,
  }));
}

function auditColumns(cause: ChangeCause) {
  return sql`${cause.actorType}::text, ${cause.actorId}::text, ${cause.requestId}::text`;
}

const causeJson = (cause: ChangeCause) => sql`${JSON.stringify(cause.cause)}::jsonb`;

/** How each kind of grant is stored and audited. */
const grantKinds = {
  team: {
    table: 'memberships',
    key: 'team_id',
    keyType: sql`uuid[]`,
    auditKey: 'teamId',
    actions: { add: 'membership.granted', remove: 'membership.revoked' },
    of: (c: GrantChange) => c.teamId,
  },
  role: {
    table: 'role_grants',
    key: 'role',
    keyType: sql`text[]`,
    auditKey: 'role',
    actions: { add: 'role_grant.granted', remove: 'role_grant.revoked' },
    of: (c: GrantChange) => c.role,
  },
} as const;

/**
 * Applies the changes of one kind (team memberships or role grants): each
 * row inserted or deleted gets its audit event (the id given with it), and
 * only rows that really changed are recorded. Returns the users whose rows
 * changed.
 */
export async function applyGrantChanges(
  db: Db,
  orgId: string,
  kind: keyof typeof grantKinds,
  changes: readonly (GrantChange & { readonly eventId: string })[],
  cause: ChangeCause,
): Promise<string[]> {
  const spec = grantKinds[kind];
  const table = sql.table(spec.table);
  const key = sql.ref(spec.key);
  const users = new Set<string>();
  for (const op of ['remove', 'add'] as const) {
    const batch = changes.filter((c) => c.op === op && spec.of(c) !== null);
    if (batch.length === 0) continue;
    const input = sql`select * from unnest(
        ${uuids(batch.map((c) => c.userId))}, ${sql.val(batch.map((c) => spec.of(c) ?? ''))}::${spec.keyType},
        ${uuids(batch.map((c) => c.mappingId))}, ${sql.val(batch.map((c) => c.source))}::text[],
        ${uuids(batch.map((c) => c.eventId))}
      ) as t(user_id, ${key}, mapping_id, source, event_id)`;
    const write =
      op === 'add'
        ? sql`insert into ${table} (org_id, ${key}, user_id, source, source_id, mapping_id, event_id)
              select ${orgId}::uuid, ${key}, user_id, source, mapping_id::text, mapping_id, event_id from input
              on conflict do nothing
              returning user_id, ${key} as granted, mapping_id, source, event_id`
        : sql`delete from ${table} x using input i
               where x.org_id = ${orgId} and x.user_id = i.user_id and x.source = i.source
                 and x.source_id = i.mapping_id::text and x.${key} = i.${key}
              returning x.user_id, x.${key} as granted, x.mapping_id, x.source, i.event_id`;
    const { rows } = await sql<{ user_id: string }>`
      with input as (${input}), w as (${write}), a as (
        insert into audit_events (id, org_id, actor_type, actor_id, request_id, action, target_type, target_id, after)
        select w.event_id, ${orgId}::uuid, ${auditColumns(cause)}, ${spec.actions[op]}, 'user', w.user_id::text,
               jsonb_build_object(${spec.auditKey}::text, w.granted, 'source', w.source, 'mappingId', w.mapping_id,
                                  'cause', ${causeJson(cause)})
          from w
      )
      select user_id from w
    `.execute(db);
    for (const row of rows) users.add(row.user_id);
  }
  return [...users];
}

/**
 * Sets each user's effective role from their grants: the manual grant when
 * the role is pinned, else the highest granted, else member. Each user whose
 * role changes gets a `member.role_changed` event, with the id given for it.
 * Returns the changes.
 */
export async function recomputeRoles(
  db: Db,
  orgId: string,
  users: readonly { readonly userId: string; readonly eventId: string }[],
  cause: ChangeCause,
): Promise<{ userId: string; from: OrgRole; to: OrgRole }[]> {
  if (users.length === 0) return [];
  const { rows } = await sql<{ id: string; old_role: OrgRole; new_role: OrgRole }>`
    with input as (
      select * from unnest(${uuids(users.map((u) => u.userId))}, ${uuids(users.map((u) => u.eventId))})
        as t(user_id, event_id)
    ), target as (
      select u.id, u.role as old_role, i.event_id, coalesce(
        case when u.role_pinned then (
          select g.role from role_grants g
           where g.org_id = u.org_id and g.user_id = u.id and g.source = 'manual' and g.source_id = '') end,
        (select g.role from role_grants g
          where g.org_id = u.org_id and g.user_id = u.id
          order by case g.role when 'owner' then 0 when 'admin' then 1 else 2 end limit 1),
        'member') as new_role
      from users u join input i on i.user_id = u.id
      where u.org_id = ${orgId}
    ), changed as (
      update users set role = t.new_role, updated_at = now()
        from target t
       where users.org_id = ${orgId} and users.id = t.id and users.role <> t.new_role
      returning users.id, t.old_role, t.new_role, t.event_id
    ), a as (
      insert into audit_events (id, org_id, actor_type, actor_id, request_id, action, target_type, target_id, before, after)
      select c.event_id, ${orgId}::uuid, ${auditColumns(cause)}, 'member.role_changed', 'user', c.id::text,
             jsonb_build_object('role', c.old_role),
             jsonb_build_object('role', c.new_role, 'cause', ${causeJson(cause)})
        from changed c
    )
    select id, old_role, new_role from changed
  `.execute(db);
  return rows.map((r) => ({ userId: r.id, from: r.old_role, to: r.new_role }));
}

/** Users holding any grant of one mapping, after `after` in id order: what a removal walks. */
export async function holdersOfMapping(
  db: Db,
  orgId: string,
  mappingId: string,
  page: { after: string | undefined; limit: number },
): Promise<string[]> {
  const after = page.after ?? '00000000-0000-0000-0000-000000000000';
  const { rows } = await sql<{ user_id: string }>`
    select user_id from (
      (select user_id from memberships
        where mapping_id = ${mappingId} and user_id > ${after} and org_id = ${orgId}
        order by user_id limit ${page.limit})
      union
      (select user_id from role_grants
        where mapping_id = ${mappingId} and user_id > ${after} and org_id = ${orgId}
        order by user_id limit ${page.limit})
    ) h order by user_id limit ${page.limit}
  `.execute(db);
  return rows.map((r) => r.user_id);
}

/** Users holding a role through a mapping onto this team: their roles move when the team (and its mappings) go. */
export async function roleHoldersOfTeamMappings(db: Db, orgId: string, teamId: string): Promise<string[]> {
  const { rows } = await sql<{ user_id: string }>`
    select distinct g.user_id from role_grants g
     where g.org_id = ${orgId}
       and g.mapping_id in (select id from group_mappings where org_id = ${orgId} and team_id = ${teamId})
  `.execute(db);
  return rows.map((r) => r.user_id);
}

/**
 * Takes back everything a directory granted, directly or through its
 * mappings; returns the users who held any of it.
 */
export async function revokeDirectoryGrants(db: Db, orgId: string, directoryId: string): Promise<string[]> {
  const { rows } = await sql<{ user_id: string }>`
    with m as (select id from group_mappings where directory_id = ${directoryId} and org_id = ${orgId}),
    r as (
      delete from role_grants
       where org_id = ${orgId} and source = 'scim'
         and (source_id = ${directoryId}::text or mapping_id in (select id from m))
      returning user_id
    ), t as (
      delete from memberships
       where org_id = ${orgId} and source = 'scim' and mapping_id in (select id from m)
      returning user_id
    )
    select user_id from r union select user_id from t
  `.execute(db);
  return rows.map((r) => r.user_id);
}

/** Suspends the given users who hold no role through any source any more. */
export async function suspendUngranted(db: Db, orgId: string, userIds: readonly string[]): Promise<number> {
  if (userIds.length === 0) return 0;
  const { rows } = await sql<{ id: string }>`
    update users u set status = 'suspended', updated_at = now()
     where u.org_id = ${orgId} and u.id = any(${uuids(userIds)}) and u.status <> 'suspended'
       and not exists (select 1 from role_grants g where g.org_id = u.org_id and g.user_id = u.id)
    returning id
  `.execute(db);
  return rows.length;
}
