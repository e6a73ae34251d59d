import { MusterError } from '../../errors.ts';
import type { Db, FeedPosition, FeedRow } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { type EventType, eventOf } from './catalog.ts';

/** One event as the application reads it. */
export interface MusterEvent {
  readonly id: string;
  readonly type: EventType;
  readonly orgId: string;
  readonly occurredAt: Date;
  /** The resource after the change (before it, for a deletion). */
  readonly data: Readonly<Record<string, unknown>>;
  /** What set the change off: a SCIM request, a sign-in, a mapping's reconciliation, an admin. */
  readonly cause: Readonly<Record<string, unknown>>;
}

export interface EventPage {
  readonly events: readonly MusterEvent[];
  /** Where to read on from; the same cursor when nothing new was there. */
  readonly cursor: string | null;
}

/** A feed position as the opaque cursor readers hold. */
export const encodeCursor = (p: FeedPosition) =>
  Buffer.from(`${p.txid}.${p.id}`, 'utf8').toString('base64url');

/** The position a cursor names; a validation error (on `path`) when the feed never gave it. */
export function decodeCursor(cursor: string, path = 'after'): FeedPosition {
  const [txid, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('.');
  if (!txid || !/^\d{1,20}$/.test(txid) || !id || !/^[0-9a-f-]{36}$/.test(id))
    throw new MusterError('validation_failed', 'The request is not valid', {
      details: [{ path, message: 'is not a cursor this feed gave' }],
    });
  return { txid, id };
}

const causeFrom: Readonly<Record<FeedRow['actor_type'], string>> = {
  admin_token: 'admin',
  api_key: 'admin',
  scim: 'scim_request',
  user: 'user',
  system: 'system',
  setup_link: 'admin',
};

function causeOf(row: FeedRow): Record<string, unknown> {
  const recorded = (row.after as { cause?: unknown } | null)?.cause;
  const base =
    typeof recorded === 'object' && recorded !== null
      ? (recorded as Record<string, unknown>)
      : { type: causeFrom[row.actor_type], id: row.actor_type === 'user' ? row.actor_id : row.request_id };
  return { ...base, actor: { type: row.actor_type, id: row.actor_id }, requestId: row.request_id };
}

/**
 * An org's events after a cursor, oldest first, from at most `limit` audit
 * entries (a read may find fewer events, or none, and still move the
 * cursor on): what an application reads to catch up after downtime, and
 * polls after that. No event ever appears before a cursor a reader was
 * given.
 */
export async function readEvents(
  db: Db,
  orgId: string,
  page: {
    readonly after?: string | undefined;
    readonly limit: number;
    readonly types?: readonly EventType[];
  },
): Promise<EventPage> {
  const rows = await store.readFeed(db, orgId, {
    after: page.after ? decodeCursor(page.after) : undefined,
    limit: page.limit,
  });
  const wanted = page.types && new Set<string>(page.types);
  const events = rows
    .map((row) => toEvent(orgId, row))
    .filter((event): event is MusterEvent => event !== null && (!wanted || wanted.has(event.type)));
  const last = rows.at(-1);
  return { events, cursor: last ? encodeCursor(last) : (page.after ?? null) };
}

/** The event an audit entry of the feed is, or null when its action is no event. */
export function toEvent(orgId: string, row: FeedRow): MusterEvent | null {
  const event = eventOf({
    action: row.action,
    targetId: row.target_id,
    before: row.before,
    after: row.after,
  });
  if (!event) return null;
  return {
    id: row.id,
    type: event.type,
    orgId,
    occurredAt: row.created_at,
    data: event.data,
    cause: causeOf(row),
  };
}
