import { sql } from 'kysely';
import type { Db } from '../database.ts';

/**
 * The newest sign-in through each of an org's connections: one index probe
 * per connection (sso_identities_last_login_idx), however many people
 * signed in through it. Connections nobody signed in through are absent.
 */
export async function lastSignInsOfConnections(
  db: Db,
  orgId: string,
  connectionIds: readonly string[],
): Promise<Map<string, Date>> {
  if (connectionIds.length === 0) return new Map();
  const { rows } = await sql<{ id: string; at: Date | string | null }>`
    select c.id, (select i.last_login_at from sso_identities i
                   where i.org_id = ${orgId} and i.connection_id = c.id
                   order by i.last_login_at desc limit 1) as at
      from unnest(${sql.val([...connectionIds])}::uuid[]) as c(id)
  `.execute(db);
  return timesOf(rows);
}

/**
 * The newest logged SCIM request of each of an org's directories, by the
 * log's own index (ids are UUIDv7, so the highest id is the newest).
 * Directories with no request logged are absent.
 */
export async function lastScimRequestsOfDirectories(
  db: Db,
  orgId: string,
  directoryIds: readonly string[],
): Promise<Map<string, Date>> {
  if (directoryIds.length === 0) return new Map();
  const { rows } = await sql<{ id: string; at: Date | string | null }>`
    select d.id, (select r.created_at from scim_requests r
                   where r.org_id = ${orgId} and r.directory_id = d.id
                   order by r.id desc limit 1) as at
      from unnest(${sql.val([...directoryIds])}::uuid[]) as d(id)
  `.execute(db);
  return timesOf(rows);
}

function timesOf(rows: readonly { id: string; at: Date | string | null }[]): Map<string, Date> {
  const times = new Map<string, Date>();
  for (const row of rows) if (row.at !== null) times.set(row.id, new Date(row.at));
  return times;
}
