import type { Db } from '../database.ts';
import type { TeamRow } from '../schema.ts';
import { type PageOf, type PageRequest, toPage } from './page.ts';

export type TeamRef = { readonly id: string } | { readonly slug: string };

export interface TeamFields {
  readonly name: string;
  readonly slug: string;
  readonly description: string | null;
}

export function insertTeam(db: Db, orgId: string, id: string, fields: TeamFields): Promise<TeamRow> {
  return db
    .insertInto('teams')
    .values({ org_id: orgId, id, ...fields })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function findTeam(db: Db, orgId: string, ref: TeamRef): Promise<TeamRow | undefined> {
  const query = db.selectFrom('teams').selectAll().where('org_id', '=', orgId);
  return (
    'id' in ref ? query.where('id', '=', ref.id) : query.where('slug', '=', ref.slug)
  ).executeTakeFirst();
}

export async function listTeams(db: Db, orgId: string, page: PageRequest): Promise<PageOf<TeamRow>> {
  let query = db
    .selectFrom('teams')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('id')
    .limit(page.limit + 1);
  if (page.after) query = query.where('id', '>', page.after);
  return toPage(await query.execute(), page.limit);
}

export function updateTeam(
  db: Db,
  orgId: string,
  teamId: string,
  patch: Partial<TeamFields>,
): Promise<TeamRow | undefined> {
  return db
    .updateTable('teams')
    .set({ ...patch, updated_at: new Date() })
    .where('org_id', '=', orgId)
    .where('id', '=', teamId)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteTeam(db: Db, orgId: string, teamId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('teams')
    .where('org_id', '=', orgId)
    .where('id', '=', teamId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** The org's teams named by id, slug or name (any case): what an invitation's teams resolve to. */
export async function teamsByRefs(db: Db, orgId: string, refs: readonly string[]): Promise<TeamRow[]> {
  if (refs.length === 0) return [];
  const ids = refs.filter((r) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(r));
  const lowered = refs.map((r) => r.toLowerCase());
  return db
    .selectFrom('teams')
    .selectAll()
    .where('org_id', '=', orgId)
    .where((eb) =>
      eb.or([
        ...(ids.length > 0
          ? [
              eb(
                'id',
                'in',
                ids.map((i) => i.toLowerCase()),
              ),
            ]
          : []),
        eb('slug', 'in', lowered),
        eb(eb.fn('lower', ['name']), 'in', lowered),
      ]),
    )
    .execute();
}
