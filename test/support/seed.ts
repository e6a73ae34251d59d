import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../src/storage/index.ts';

export interface SeededGroup {
  readonly directoryId: string;
  readonly groupId: string;
  readonly groupName: string;
}

/**
 * A directory with `size` active SCIM users, all members of one group,
 * written straight into the tables: big groups in a second, where pushing
 * them over SCIM would take minutes.
 */
export async function seedDirectoryGroup(db: Db, orgId: string, size: number): Promise<SeededGroup> {
  const directoryId = randomUUID();
  const groupId = randomUUID();
  const groupName = `Seeded ${groupId.slice(0, 8)}`;
  await sql`insert into directories (id, org_id, name, provider) values (${directoryId}, ${orgId}, 'Seeded', 'okta')`.execute(
    db,
  );
  await sql`
    insert into users (id, org_id, email)
    select gen_random_uuid(), ${orgId}, 'u' || i || '-' || ${groupId.slice(0, 8)} || '@seeded.test'
      from generate_series(1, ${size}) i
  `.execute(db);
  await sql`
    insert into scim_users (id, org_id, directory_id, user_id, user_name, active, resource)
    select gen_random_uuid(), org_id, ${directoryId}, id, email, true, '{}'::jsonb
      from users where org_id = ${orgId} and email like ${`%-${groupId.slice(0, 8)}@seeded.test`}
  `.execute(db);
  await sql`
    insert into scim_groups (id, org_id, directory_id, display_name, resource, member_count)
    values (${groupId}, ${orgId}, ${directoryId}, ${groupName}, '{}'::jsonb, ${size})
  `.execute(db);
  await sql`
    insert into scim_group_members (org_id, directory_id, group_id, member_id)
    select org_id, directory_id, ${groupId}, id from scim_users where directory_id = ${directoryId}
  `.execute(db);
  return { directoryId, groupId, groupName };
}

/** Counts rows of an org's table matching a condition, for checks of exactly-once effects. */
export async function countRows(db: Db, query: ReturnType<typeof sql>): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from (${query}) q`.execute(db);
  return Number(rows[0]?.n ?? 0);
}
