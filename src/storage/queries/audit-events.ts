import type { Db } from '../database.ts';
import type { AuditEventRow, NewAuditEvent } from '../schema.ts';
import { type PageOf, type PageRequest, toPage } from './page.ts';

export async function insertAuditEvent(db: Db, row: NewAuditEvent): Promise<void> {
  await db.insertInto('audit_events').values(row).execute();
}

/** Newest first: `after` is the last (oldest) id of the previous page. */
export async function listAuditEvents(
  db: Db,
  orgId: string,
  page: PageRequest,
  filter: { action?: string | undefined; targetId?: string | undefined } = {},
): Promise<PageOf<AuditEventRow>> {
  let query = db
    .selectFrom('audit_events')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('id', 'desc')
    .limit(page.limit + 1);
  if (page.after) query = query.where('id', '<', page.after);
  if (filter.action) query = query.where('action', '=', filter.action);
  if (filter.targetId) query = query.where('target_id', '=', filter.targetId);
  return toPage(await query.execute(), page.limit);
}
