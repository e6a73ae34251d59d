import { sql } from 'kysely';
import type { Db } from '../database.ts';
import type { ActorType } from '../schema.ts';

/** A place in an org's feed: after this transaction's event with this id. */
export interface FeedPosition {
  /** xid8 as decimal text. */
  readonly txid: string;
  readonly id: string;
}

export interface FeedRow {
  readonly id: string;
  readonly txid: string;
  readonly action: string;
  readonly target_type: string;
  readonly target_id: string | null;
  readonly before: unknown;
  readonly after: unknown;
  readonly actor_type: ActorType;
  readonly actor_id: string | null;
  readonly request_id: string | null;
  readonly created_at: Date;
}

const start: FeedPosition = { txid: '0', id: '00000000-0000-0000-0000-000000000000' };

/**
 * An org's audit events after a position, in commit-safe order: by
 * transaction, then id, and only from transactions older than every one
 * still running, so no event can later appear before a position a reader
 * has passed. All actions, not only those that are events: the reader
 * moves its position past what it skips, so no poll reads a stretch of the
 * log twice.
 */
export async function readFeed(
  db: Db,
  orgId: string,
  page: { readonly after: FeedPosition | undefined; readonly limit: number },
): Promise<FeedRow[]> {
  const after = page.after ?? start;
  const { rows } = await sql<FeedRow>`
    select id, txid::text as txid, action, target_type, target_id, before, after,
           actor_type, actor_id, request_id, created_at
      from audit_events
     where org_id = ${orgId}
       and (txid, id) > (${after.txid}::xid8, ${after.id}::uuid)
       and txid < pg_snapshot_xmin(pg_current_snapshot())
     -- The column, not the text the select list makes of it.
     order by audit_events.txid, audit_events.id
     limit ${page.limit}
  `.execute(db);
  return rows;
}
