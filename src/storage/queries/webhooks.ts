import { sql } from 'kysely';
import type { Db } from '../database.ts';
import type { WebhookDeliveryRow, WebhookEndpointRow } from '../schema.ts';
import type { FeedPosition, FeedRow } from './event-feed.ts';
import { type PageOf, type PageRequest, toPage } from './page.ts';

/**
 * Webhook endpoints follow their org's events feed with a cursor each;
 * one process delivers to an endpoint at a time, under a lease, and moves
 * its cursor only while it holds the lease.
 */

export interface NewWebhookEndpoint {
  readonly id: string;
  readonly url: string;
  readonly description: string;
  readonly event_types: string[];
  readonly sealed_secret: string;
  /** Where delivery starts; unset: with the changes that commit from now on. */
  readonly start?: FeedPosition | undefined;
}

export async function insertWebhookEndpoint(
  db: Db,
  orgId: string,
  row: NewWebhookEndpoint,
): Promise<WebhookEndpointRow> {
  const { start, ...fields } = row;
  // Without a start, from the oldest transaction still running, skipping what had committed by
  // now (the snapshot): exactly the changes that commit from now on.
  const cursor = start
    ? { cursor_txid: sql<string>`${start.txid}::xid8`, cursor_id: start.id }
    : {
        cursor_txid: sql<string>`pg_snapshot_xmin(pg_current_snapshot())`,
        cursor_id: '00000000-0000-0000-0000-000000000000',
        start_snapshot: sql<string>`pg_current_snapshot()::text`,
      };
  return db
    .insertInto('webhook_endpoints')
    .values({ ...fields, org_id: orgId, ...cursor })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function findWebhookEndpoint(db: Db, orgId: string, id: string) {
  return db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function listWebhookEndpoints(
  db: Db,
  orgId: string,
  page: PageRequest,
): Promise<PageOf<WebhookEndpointRow>> {
  let query = db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('id')
    .limit(page.limit + 1);
  if (page.after) query = query.where('id', '>', page.after);
  return toPage(await query.execute(), page.limit);
}

export interface WebhookEndpointPatch {
  url?: string;
  description?: string;
  event_types?: string[];
  enabled?: boolean;
  disabled_reason?: string | null;
  sealed_secret?: string;
  sealed_previous_secret?: string | null;
  previous_secret_expires_at?: Date | null;
  /** A resumed endpoint starts its failing event afresh. */
  failing_since?: null;
  attempts?: number;
  next_attempt_at?: Date;
  last_error?: string | null;
}

export function updateWebhookEndpoint(db: Db, orgId: string, id: string, patch: WebhookEndpointPatch) {
  return db
    .updateTable('webhook_endpoints')
    .set({ ...patch, updated_at: new Date() })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteWebhookEndpoint(db: Db, orgId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('webhook_endpoints')
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * Leases enabled endpoints whose next attempt is due and that have
 * something to send: events past their cursor (below the horizon of
 * transactions still running, as the feed reads) or redeliveries.
 */
export async function claimDueWebhookEndpoints(
  db: Db,
  owner: string,
  options: {
    readonly leaseSeconds: number;
    readonly limit: number;
    readonly orgId?: string | undefined;
    /** Endpoints not to claim: those the claimer is delivering to already. */
    readonly except?: readonly string[];
  },
): Promise<WebhookEndpointRow[]> {
  const { rows } = await sql<WebhookEndpointRow>`
    update webhook_endpoints
       set locked_by = ${owner}, locked_until = now() + make_interval(secs => ${options.leaseSeconds})
     where id in (
       select w.id from webhook_endpoints w
        where w.enabled and w.next_attempt_at <= now()
          and (w.locked_until is null or w.locked_until < now())
          ${options.orgId ? sql`and w.org_id = ${options.orgId}` : sql``}
          ${options.except?.length ? sql`and w.id <> all(${[...options.except]}::uuid[])` : sql``}
          and (exists (
                 select 1 from audit_events a
                  where a.org_id = w.org_id
                    and (a.txid, a.id) > (w.cursor_txid, w.cursor_id)
                    and a.txid < pg_snapshot_xmin(pg_current_snapshot()))
               or exists (select 1 from webhook_redeliveries r where r.endpoint_id = w.id))
        order by w.next_attempt_at
        limit ${options.limit}
        for update skip locked)
    returning *
  `.execute(db);
  return rows;
}

/** Events an admin asked to send again, oldest first. */
export function pendingRedeliveries(db: Db, endpointId: string, limit: number) {
  return db
    .selectFrom('webhook_redeliveries')
    .select(['id', 'event_id'])
    .where('endpoint_id', '=', endpointId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function insertRedelivery(
  db: Db,
  row: { id: string; org_id: string; endpoint_id: string; event_id: string },
): Promise<void> {
  await db.insertInto('webhook_redeliveries').values(row).execute();
}

export async function deleteRedeliveries(db: Db, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await db.deleteFrom('webhook_redeliveries').where('id', 'in', ids).execute();
}

/** One audit entry of an org, as the feed reads it: an event to send again. */
export async function readFeedEntry(db: Db, orgId: string, id: string): Promise<FeedRow | undefined> {
  const { rows } = await sql<FeedRow>`
    select id, txid::text as txid, action, target_type, target_id, before, after,
           actor_type, actor_id, request_id, created_at
      from audit_events
     where org_id = ${orgId} and id = ${id}
  `.execute(db);
  return rows[0];
}

export type NewWebhookDelivery = Omit<WebhookDeliveryRow, 'created_at' | 'redelivery'> & {
  readonly redelivery?: boolean;
};

export async function insertWebhookDeliveries(db: Db, rows: readonly NewWebhookDelivery[]): Promise<void> {
  if (rows.length > 0)
    await db
      .insertInto('webhook_deliveries')
      .values([...rows])
      .execute();
}

/**
 * Where a delivery run leaves an endpoint, fenced by its lease: the cursor
 * past what was delivered, and either a clean state with the lease
 * extended, or the failure to retry at `retryAt` with the lease let go.
 * False when this process no longer holds the endpoint.
 */
export async function settleWebhookEndpoint(
  db: Db,
  id: string,
  owner: string,
  state: {
    readonly cursor: FeedPosition;
    readonly delivered: boolean;
    readonly leaseSeconds: number;
    readonly failure?: {
      readonly failingSince: Date;
      readonly attempts: number;
      readonly retryAt: Date;
      readonly error: string;
      /** Stops delivery: the retries ran out. */
      readonly disabledReason?: string | undefined;
    };
  },
): Promise<boolean> {
  const failure = state.failure;
  const result = await db
    .updateTable('webhook_endpoints')
    .set({
      cursor_txid: sql<string>`${state.cursor.txid}::xid8`,
      cursor_id: state.cursor.id,
      ...(state.delivered ? { last_delivered_at: new Date() } : {}),
      ...(failure
        ? {
            failing_since: failure.failingSince,
            attempts: failure.attempts,
            next_attempt_at: failure.retryAt,
            last_error: failure.error,
            locked_by: null,
            locked_until: null,
            ...(failure.disabledReason
              ? { enabled: false, disabled_reason: failure.disabledReason, updated_at: new Date() }
              : {}),
          }
        : {
            failing_since: null,
            attempts: 0,
            last_error: null,
            locked_until: sql<Date>`now() + make_interval(secs => ${state.leaseSeconds})`,
          }),
    })
    .where('id', '=', id)
    .where('locked_by', '=', owner)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function releaseWebhookEndpoint(db: Db, id: string, owner: string): Promise<void> {
  await db
    .updateTable('webhook_endpoints')
    .set({ locked_by: null, locked_until: null })
    .where('id', '=', id)
    .where('locked_by', '=', owner)
    .execute();
}

export async function listWebhookDeliveries(
  db: Db,
  orgId: string,
  endpointId: string,
  page: PageRequest,
): Promise<PageOf<WebhookDeliveryRow>> {
  let query = db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('endpoint_id', '=', endpointId)
    .orderBy('id', 'desc')
    .limit(page.limit + 1);
  if (page.after) query = query.where('id', '<', page.after);
  return toPage(await query.execute(), page.limit);
}

/** Frees every endpoint's lease: at the start of the one process an embedded database has. */
export async function releaseWebhookLeases(db: Db): Promise<void> {
  await db
    .updateTable('webhook_endpoints')
    .set({ locked_by: null, locked_until: null })
    .where('locked_by', 'is not', null)
    .execute();
}

/** The delivery log keeps a window; older attempts go. */
export async function pruneWebhookDeliveries(db: Db, before: Date): Promise<number> {
  const result = await db
    .deleteFrom('webhook_deliveries')
    .where('created_at', '<', before)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
