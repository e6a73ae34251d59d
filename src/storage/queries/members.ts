import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../database.ts';
import type { GrantSource, OrgRole, UserRow } from '../schema.ts';
import { type PageOf, type PageRequest, toPage } from './page.ts';

export interface MemberFilter {
  readonly teamId?: string | undefined;
  readonly source?: GrantSource | undefined;
  readonly role?: OrgRole | undefined;
  readonly status?: 'active' | 'suspended' | undefined;
  /** Part of the email or a name, any case. */
  readonly text?: string | undefined;
}

const likePattern = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** An org's users in id order; with a team, read from that team's memberships. */
export async function listMembers(
  db: Db,
  orgId: string,
  page: PageRequest,
  filter: MemberFilter,
): Promise<PageOf<UserRow>> {
  let query = db
    .selectFrom('users')
    .selectAll('users')
    .where('users.org_id', '=', orgId)
    .orderBy('users.id')
    .limit(page.limit + 1);
  if (page.after) query = query.where('users.id', '>', page.after);
  if (filter.status) query = query.where('users.status', '=', filter.status);
  if (filter.role) query = query.where('users.role', '=', filter.role);
  const { teamId, source, text } = filter;
  if (teamId)
    query = query.where('users.id', 'in', (eb) =>
      eb
        .selectFrom('memberships')
        .select('memberships.user_id')
        .where('memberships.org_id', '=', orgId)
        .where('memberships.team_id', '=', teamId),
    );
  if (source)
    query = query.where((eb) =>
      eb.or([
        eb.exists(
          eb
            .selectFrom('role_grants')
            .select('role_grants.user_id')
            .where('role_grants.org_id', '=', orgId)
            .whereRef('role_grants.user_id', '=', 'users.id')
            .where('role_grants.source', '=', source),
        ),
        eb.exists(
          eb
            .selectFrom('memberships')
            .select('memberships.user_id')
            .where('memberships.org_id', '=', orgId)
            .whereRef('memberships.user_id', '=', 'users.id')
            .where('memberships.source', '=', source),
        ),
      ]),
    );
  if (text) {
    const pattern = likePattern(text);
    query = query.where(
      sql<boolean>`(lower(users.email) like ${pattern} or lower(coalesce(users.display_name, '')) like ${pattern}
        or lower(concat_ws(' ', users.given_name, users.family_name)) like ${pattern})`,
    );
  }
  return toPage(await query.execute(), page.limit);
}

export function findMember(db: Db, orgId: string, userId: string, forUpdate = false) {
  let query = db.selectFrom('users').selectAll().where('org_id', '=', orgId).where('id', '=', userId);
  if (forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** Where a grant came from: its source, and the mapping and group behind it if a mapping made it. */
const originColumns = (grant: RawBuilder<unknown>) =>
  sql`${grant}.source, ${grant}.source_id, ${grant}.mapping_id, ${grant}.event_id, ${grant}.created_at,
      gm.directory_id, gm.connection_id, gm.group_key, coalesce(g.display_name, gm.group_name) as group_name`;

const originJoins = (grant: RawBuilder<unknown>) =>
  sql`left join group_mappings gm on gm.org_id = ${grant}.org_id and gm.id = ${grant}.mapping_id
      left join scim_groups g on g.id = gm.scim_group_id`;

export interface TeamGrantRow {
  readonly user_id: string;
  readonly team_id: string;
  readonly team_slug: string;
  readonly team_name: string;
  readonly source: GrantSource;
  readonly source_id: string;
  readonly mapping_id: string | null;
  readonly event_id: string | null;
  readonly created_at: Date;
  readonly directory_id: string | null;
  readonly connection_id: string | null;
  readonly group_key: string | null;
  readonly group_name: string | null;
}

/** Every team grant of these users, with the mapping and group behind each: one query for a page. */
export async function teamGrantsOf(
  db: Db,
  orgId: string,
  userIds: readonly string[],
  teamId?: string,
): Promise<TeamGrantRow[]> {
  if (userIds.length === 0) return [];
  const { rows } = await sql<TeamGrantRow>`
    select m.user_id, m.team_id, t.slug as team_slug, t.name as team_name, ${originColumns(sql.ref('m'))}
      from memberships m
      join teams t on t.org_id = m.org_id and t.id = m.team_id
      ${originJoins(sql.ref('m'))}
     where m.org_id = ${orgId} and m.user_id = any(${sql.val([...userIds])}::uuid[])
       ${teamId ? sql`and m.team_id = ${teamId}` : sql``}
     order by t.name, t.id, m.created_at
  `.execute(db);
  return rows;
}

export interface RoleGrantRow {
  readonly user_id: string;
  readonly role: OrgRole;
  readonly source: GrantSource;
  readonly source_id: string;
  readonly mapping_id: string | null;
  readonly event_id: string | null;
  readonly created_at: Date;
  readonly directory_id: string | null;
  readonly connection_id: string | null;
  readonly group_key: string | null;
  readonly group_name: string | null;
}

export async function roleGrantsOf(
  db: Db,
  orgId: string,
  userIds: readonly string[],
): Promise<RoleGrantRow[]> {
  if (userIds.length === 0) return [];
  const { rows } = await sql<RoleGrantRow>`
    select r.user_id, r.role, ${originColumns(sql.ref('r'))}
      from role_grants r
      ${originJoins(sql.ref('r'))}
     where r.org_id = ${orgId} and r.user_id = any(${sql.val([...userIds])}::uuid[])
     order by r.created_at
  `.execute(db);
  return rows;
}

/** Sets the manual grant of a role (or removes it) and whether it overrides the others. */
export async function setManualRole(
  db: Db,
  orgId: string,
  userId: string,
  change: { role: OrgRole | null; pinned: boolean; eventId: string },
): Promise<void> {
  await db
    .deleteFrom('role_grants')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('source', '=', 'manual')
    .execute();
  if (change.role)
    await db
      .insertInto('role_grants')
      .values({
        org_id: orgId,
        user_id: userId,
        role: change.role,
        source: 'manual',
        source_id: '',
        event_id: change.eventId,
      })
      .execute();
  await db
    .updateTable('users')
    .set({ role_pinned: change.pinned, updated_at: new Date() })
    .where('org_id', '=', orgId)
    .where('id', '=', userId)
    .execute();
}

export async function manualTeamIdsOf(db: Db, orgId: string, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('memberships')
    .select('team_id')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('source', '=', 'manual')
    .execute();
  return rows.map((r) => r.team_id);
}

export async function addManualMembership(
  db: Db,
  orgId: string,
  userId: string,
  teamId: string,
  eventId: string,
): Promise<void> {
  await db
    .insertInto('memberships')
    .values({
      org_id: orgId,
      user_id: userId,
      team_id: teamId,
      source: 'manual',
      source_id: '',
      event_id: eventId,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function removeManualMembership(db: Db, orgId: string, userId: string, teamId: string) {
  await db
    .deleteFrom('memberships')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('team_id', '=', teamId)
    .where('source', '=', 'manual')
    .execute();
}

/**
 * Serialises changes to an org's owners (its row is locked for the rest of
 * the transaction) and says how many there are. Only a manual grant makes an
 * owner, and the highest grant (or a pinned one, which is the manual one)
 * always wins, so the owners are the holders of an owner grant.
 */
export async function lockOwners(db: Db, orgId: string): Promise<number> {
  await db.selectFrom('orgs').select('id').where('id', '=', orgId).forUpdate().execute();
  const row = await db
    .selectFrom('role_grants')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .where('role', '=', 'owner')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The SCIM users linked to an org user, so their directories' counts follow a removal. */
export function scimLinksOf(db: Db, orgId: string, userId: string) {
  return db
    .selectFrom('scim_users')
    .select(['id', 'directory_id'])
    .where('directory_id', 'in', (eb) =>
      eb.selectFrom('directories').select('directories.id').where('directories.org_id', '=', orgId),
    )
    .where('user_id', '=', userId)
    .where('org_id', '=', orgId)
    .execute();
}

/** A user's history: the events about them, newest first. */
export function eventsAboutUser(
  db: Db,
  orgId: string,
  userId: string,
  filter: { actions: readonly string[]; limit: number },
) {
  return db
    .selectFrom('audit_events')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('target_id', '=', userId)
    .where('action', 'in', [...filter.actions])
    .orderBy('id', 'desc')
    .limit(filter.limit)
    .execute();
}

export function auditEventsByIds(db: Db, orgId: string, ids: readonly string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('audit_events')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', 'in', [...ids])
    .execute();
}

/** A team held through one source (such as an accepted invitation), with the audit event that granted it. */
export async function addSourceMembership(
  db: Db,
  orgId: string,
  grant: { userId: string; teamId: string; source: GrantSource; sourceId: string; eventId: string },
): Promise<void> {
  await db
    .insertInto('memberships')
    .values({
      org_id: orgId,
      user_id: grant.userId,
      team_id: grant.teamId,
      source: grant.source,
      source_id: grant.sourceId,
      event_id: grant.eventId,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** The org's owners and admins who are active, a few: whom to tell when no single person is. */
export function orgAdmins(db: Db, orgId: string, limit: number) {
  return db
    .selectFrom('users')
    .select(['id', 'email'])
    .where('org_id', '=', orgId)
    .where('role', 'in', ['owner', 'admin'])
    .where('status', '=', 'active')
    .orderBy('id')
    .limit(limit)
    .execute();
}
