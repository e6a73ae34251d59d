import { sql } from 'kysely';
import type { Db } from '../database.ts';
import type { OrgRow } from '../schema.ts';
import { type PageOf, type PageRequest, toPage } from './page.ts';

export type OrgRef = { readonly id: string } | { readonly slug: string };

export function insertOrg(db: Db, row: { id: string; name: string; slug: string }): Promise<OrgRow> {
  return db.insertInto('orgs').values(row).returningAll().executeTakeFirstOrThrow();
}

export function findOrg(db: Db, ref: OrgRef): Promise<OrgRow | undefined> {
  const query = db.selectFrom('orgs').selectAll();
  return (
    'id' in ref ? query.where('id', '=', ref.id) : query.where('slug', '=', ref.slug)
  ).executeTakeFirst();
}

export async function listOrgs(db: Db, page: PageRequest): Promise<PageOf<OrgRow>> {
  let query = db
    .selectFrom('orgs')
    .selectAll()
    .orderBy('id')
    .limit(page.limit + 1);
  if (page.after) query = query.where('id', '>', page.after);
  return toPage(await query.execute(), page.limit);
}

export function updateOrg(
  db: Db,
  orgId: string,
  patch: { name?: string; slug?: string; app_urls?: string[] },
): Promise<OrgRow | undefined> {
  const { app_urls, ...rest } = patch;
  return db
    .updateTable('orgs')
    .set({
      ...rest,
      ...(app_urls === undefined ? {} : { app_urls: sql<string[]>`${sql.val(app_urls)}::text[]` }),
      updated_at: new Date(),
    })
    .where('id', '=', orgId)
    .returningAll()
    .executeTakeFirst();
}
