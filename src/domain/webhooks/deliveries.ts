import { notFound } from '../../errors.ts';
import { isUuid, newId } from '../../infra/ids/index.ts';
import type { Db, PageOf, PageRequest, WebhookDeliveryRow } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { type ChangeContext, recordAudit } from '../audit/index.ts';
import { toEvent } from '../events/index.ts';
import { getWebhookEndpoint } from './endpoints.ts';

/** One attempt to deliver an event to an endpoint, as its log shows it. */
export interface WebhookDelivery {
  readonly id: string;
  readonly eventId: string;
  readonly eventType: string;
  /** 1 for the first try of this event, then up. */
  readonly attempt: number;
  readonly succeeded: boolean;
  /** The endpoint's answer, when it gave one. */
  readonly httpStatus: number | null;
  /** Why the attempt failed: the status, a timeout, a refused address. */
  readonly error: string | null;
  readonly durationMs: number;
  /** Sent again on an admin's request. */
  readonly redelivery: boolean;
  readonly createdAt: Date;
}

function toDelivery(row: WebhookDeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    attempt: row.attempt,
    succeeded: row.succeeded,
    httpStatus: row.http_status,
    error: row.error,
    durationMs: row.duration_ms,
    redelivery: row.redelivery,
    createdAt: row.created_at,
  };
}

/** An endpoint's delivery log, newest first. */
export async function listWebhookDeliveries(
  db: Db,
  orgId: string,
  endpointId: string,
  page: PageRequest,
): Promise<PageOf<WebhookDelivery>> {
  const endpoint = await getWebhookEndpoint(db, orgId, endpointId);
  const result = await store.listWebhookDeliveries(db, orgId, endpoint.id, page);
  return { more: result.more, items: result.items.map(toDelivery) };
}

/** Queues one of the org's events to be sent to the endpoint again, soon, once. */
export async function requestRedelivery(
  db: Db,
  ctx: ChangeContext,
  orgId: string,
  endpointId: string,
  eventId: string,
): Promise<{ id: string; eventId: string }> {
  const endpoint = await getWebhookEndpoint(db, orgId, endpointId);
  const entry = isUuid(eventId) ? await store.readFeedEntry(db, orgId, eventId.toLowerCase()) : undefined;
  const event = entry && toEvent(orgId, entry);
  if (!event) throw notFound('Event');
  const id = newId();
  await db.transaction().execute(async (trx) => {
    await store.insertRedelivery(trx, { id, org_id: orgId, endpoint_id: endpoint.id, event_id: event.id });
    await recordAudit(trx, ctx, orgId, {
      action: 'webhook.redelivery_requested',
      target: { type: 'webhook', id: endpoint.id },
      after: { eventId: event.id, eventType: event.type },
    });
  });
  return { id, eventId: event.id };
}
