import { sql } from 'kysely';
import type { Db } from '../database.ts';
import type { GrantSource, NewAuditEvent, OrgRole, ScimUserRow } from '../schema.ts';
import { shardOf } from './directory-counts.ts';
import type { ScimUserFields } from './scim-users.ts';
import type { UserProfile } from './users.ts';

export interface LinkedScimUserInsert {
  readonly orgId: string;
  readonly directoryId: string;
  /** The new SCIM user's id. */
  readonly id: string;
  /** The id an org user gets when none has the profile's email yet. */
  readonly newUserId: string;
  readonly fields: ScimUserFields;
  readonly profile: UserProfile;
  readonly status: 'active' | 'suspended';
  readonly grant: { readonly role: OrgRole; readonly source: GrantSource; readonly source_id: string };
  /** Its target is the org user, its action `created` or `linked`, as the statement finds. */
  readonly audit: NewAuditEvent;
  readonly linkedAction: string;
}

const json = (value: unknown) => sql`${JSON.stringify(value ?? null)}::jsonb`;

/**
 * A SCIM user, its org user (the one that signed in as its externalId, else
 * found by email, else created), its role grant,
 * its audit event and its count, in one statement: one round trip and no lock
 * held across another, which is what lets an initial sync create users in
 * parallel. The constraints behave as in separate statements; a violation
 * rolls back every part.
 */
export async function insertLinkedScimUser(
  db: Db,
  input: LinkedScimUserInsert,
): Promise<{ row: ScimUserRow; linked: boolean }> {
  const { orgId, directoryId, fields, profile, grant, audit } = input;
  const result = await sql<ScimUserRow & { created: boolean }>`
    with ext as (
      select user_id as id from sso_identities
       where org_id = ${orgId} and subject = ${fields.external_id}::text
       limit 1
    ), inserted as (
      insert into users (id, org_id, email, given_name, family_name, display_name, status)
      select ${input.newUserId}::uuid, ${orgId}::uuid, ${profile.email}::text, ${profile.given_name}::text,
             ${profile.family_name}::text, ${profile.display_name}::text, ${input.status}::text
       where not exists (select 1 from ext)
      on conflict (org_id, lower(email)) do update set
        email = excluded.email, given_name = excluded.given_name, family_name = excluded.family_name,
        display_name = excluded.display_name, status = excluded.status, updated_at = now()
      returning id, (xmax = 0) as created
    ), taken_over as (
      update users set
        email = ${profile.email}, given_name = ${profile.given_name}, family_name = ${profile.family_name},
        display_name = ${profile.display_name}, status = ${input.status}, updated_at = now()
       where org_id = ${orgId} and id = (select id from ext)
      returning id, false as created
    ), u as (
      select id, created from inserted union all select id, created from taken_over
    ), s as (
      insert into scim_users (id, org_id, directory_id, user_id, user_name, external_id, active, display_name, resource, raw)
      select ${input.id}::uuid, ${orgId}::uuid, ${directoryId}::uuid, u.id, ${fields.user_name}::text,
             ${fields.external_id}::text, ${fields.active}::boolean, ${fields.display_name}::text,
             ${json(fields.resource)}, ${json(fields.raw)}
        from u
      returning id, org_id, directory_id, user_id, user_name, external_id, active, display_name, resource,
                version, created_at, updated_at
    ), g as (
      insert into role_grants (org_id, user_id, role, source, source_id)
      select ${orgId}::uuid, u.id, ${grant.role}::text, ${grant.source}::text, ${grant.source_id}::text from u
      on conflict (org_id, user_id, source, source_id) do nothing
    ), a as (
      insert into audit_events (id, org_id, actor_type, actor_id, action, target_type, target_id, before, after, request_id)
      select ${audit.id}::uuid, ${orgId}::uuid, ${audit.actor_type}::text, ${audit.actor_id ?? null}::text,
             case when u.created then ${audit.action}::text else ${input.linkedAction}::text end,
             ${audit.target_type}::text, u.id::text, ${json(audit.before)}, ${json(audit.after)},
             ${audit.request_id ?? null}::text
        from u
    ), c as (
      insert into directory_counters (org_id, directory_id, shard, user_count)
      values (${orgId}, ${directoryId}, ${shardOf(input.id)}, 1)
      on conflict (directory_id, shard) do update set user_count = directory_counters.user_count + 1
    )
    select s.*, u.created from s cross join u
  `.execute(db);
  const found = result.rows[0];
  if (!found) throw new Error('the SCIM user insert returned no row');
  const { created, ...row } = found;
  return { row, linked: !created };
}
