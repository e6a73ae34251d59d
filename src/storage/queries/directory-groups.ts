import { sql } from 'kysely';
import type { Db } from '../database.ts';
import { type PageOf, toPage } from './page.ts';

/** A SCIM group as an admin picks it: no resource, no members. */
export interface DirectoryGroupRow {
  readonly id: string;
  readonly display_name: string;
  readonly external_id: string | null;
  readonly member_count: number;
  readonly created_at: Date;
  readonly updated_at: Date;
  /** The name as the list is ordered by (lowered, compared bytewise): what a cursor holds. */
  readonly sort_key: string;
}

export interface DirectoryGroupSearch {
  /** Names starting with this, whatever the case. */
  readonly prefix?: string | undefined;
  /** The `sort_key` of the last group of the previous page. */
  readonly after?: string | undefined;
  readonly limit: number;
}

// Bytewise ("C") order on the lowered name, as the index of migration 0015
// holds it: whatever the database's collation, a prefix is then one range of
// that index, and the list pages along it.
const sortKey = sql<string>`lower(display_name) collate "C"`;

/** LIKE's own characters in what an admin typed match themselves. */
function likePrefix(text: string): string {
  return `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A directory's groups in name order, optionally those whose name starts with `prefix`. */
export async function searchDirectoryGroups(
  db: Db,
  orgId: string,
  directoryId: string,
  search: DirectoryGroupSearch,
): Promise<PageOf<DirectoryGroupRow>> {
  let query = db
    .selectFrom('scim_groups')
    .select([
      'id',
      'display_name',
      'external_id',
      'member_count',
      'created_at',
      'updated_at',
      sortKey.as('sort_key'),
    ])
    .where('org_id', '=', orgId)
    .where('directory_id', '=', directoryId)
    .orderBy(sortKey)
    .limit(search.limit + 1);
  // lower() of the typed text in the database, so both sides are lowered alike.
  if (search.prefix)
    query = query.where(sortKey, 'like', sql<string>`lower(${likePrefix(search.prefix)}) collate "C"`);
  if (search.after !== undefined) query = query.where(sortKey, '>', sql<string>`${search.after} collate "C"`);
  return toPage(await query.execute(), search.limit);
}
