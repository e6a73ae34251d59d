import type { Db } from '../database.ts';
import { type PageOf, type PageRequest, toPage } from './page.ts';

export interface ScimRequestEntry {
  readonly id: string;
  readonly orgId: string;
  readonly directoryId: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly scimType: string | null;
  readonly durationMs: number;
  readonly requestId: string | null;
  readonly summary: unknown;
}

/** Many entries in one statement: the log costs one write per batch, not one per request. */
export async function insertScimRequests(db: Db, entries: readonly ScimRequestEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto('scim_requests')
    .values(
      entries.map((entry) => ({
        id: entry.id,
        org_id: entry.orgId,
        directory_id: entry.directoryId,
        method: entry.method,
        path: entry.path,
        status: entry.status,
        scim_type: entry.scimType,
        duration_ms: entry.durationMs,
        request_id: entry.requestId,
        summary: entry.summary === undefined ? null : JSON.stringify(entry.summary),
      })),
    )
    .execute();
}

/** Newest first. */
export async function listScimRequests(db: Db, orgId: string, directoryId: string, page: PageRequest) {
  let query = db
    .selectFrom('scim_requests')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('directory_id', '=', directoryId)
    .orderBy('id', 'desc')
    .limit(page.limit + 1);
  if (page.after) query = query.where('id', '<', page.after);
  const rows = await query.execute();
  return toPage(rows, page.limit) as PageOf<(typeof rows)[number]>;
}
