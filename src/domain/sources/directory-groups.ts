import type { Db, PageOf } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import type { Directory } from './directories.ts';

/** A group the IdP pushed into a directory, as an admin picks one to map. */
export interface DirectoryGroup {
  readonly id: string;
  readonly displayName: string;
  readonly externalId: string | null;
  /** Kept with each membership change, so reading it costs nothing. */
  readonly memberCount: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Where the next page starts after this group. */
  readonly position: string;
}

export interface DirectoryGroupQuery {
  /** The start of the display name, any case. */
  readonly q?: string | undefined;
  /** The `position` of the last group of the previous page. */
  readonly after?: string | undefined;
  readonly limit: number;
}

/**
 * A directory's groups in name order. The search matches the start of the
 * name, not any part: that is what an index can answer for a directory of
 * many thousand groups.
 */
export async function listDirectoryGroups(
  db: Db,
  directory: Directory,
  query: DirectoryGroupQuery,
): Promise<PageOf<DirectoryGroup>> {
  const page = await store.searchDirectoryGroups(db, directory.orgId, directory.id, {
    prefix: query.q,
    after: query.after,
    limit: query.limit,
  });
  return {
    more: page.more,
    items: page.items.map((row) => ({
      id: row.id,
      displayName: row.display_name,
      externalId: row.external_id,
      memberCount: row.member_count,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      position: row.sort_key,
    })),
  };
}
