import { newId } from '../../infra/ids/index.ts';
import {
  type Db,
  insertAuditEvent,
  listAuditEvents,
  type NewAuditEvent,
  type PageOf,
  type PageRequest,
} from '../../storage/index.ts';
import type { Actor, ChangeContext } from './context.ts';

export interface AuditEntry {
  readonly action: string;
  readonly target: { readonly type: string; readonly id: string | null };
  readonly before?: unknown;
  readonly after?: unknown;
}

export interface AuditEvent {
  readonly id: string;
  readonly actor: Actor;
  readonly action: string;
  readonly target: { readonly type: string; readonly id: string | null };
  readonly before: unknown;
  readonly after: unknown;
  readonly requestId: string | null;
  readonly createdAt: Date;
}

/** Snapshots are stored as JSON, the way clients see them (dates as ISO strings). */
function snapshot(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

/** Call inside the transaction of the change it describes, so one never exists without the other. */
export async function recordAudit(
  db: Db,
  ctx: ChangeContext,
  orgId: string,
  entry: AuditEntry,
): Promise<void> {
  await insertAuditEvent(db, auditEventRow(ctx, orgId, entry));
}

/** The row an audit event is stored as, for a storage statement that writes it with its change. */
export function auditEventRow(ctx: ChangeContext, orgId: string, entry: AuditEntry): NewAuditEvent {
  return {
    id: newId(),
    org_id: orgId,
    actor_type: ctx.actor.type,
    actor_id: ctx.actor.id,
    action: entry.action,
    target_type: entry.target.type,
    target_id: entry.target.id,
    before: snapshot(entry.before),
    after: snapshot(entry.after),
    request_id: ctx.requestId ?? null,
  };
}

export async function listAudit(
  db: Db,
  orgId: string,
  page: PageRequest,
  filter: { action?: string | undefined; targetId?: string | undefined } = {},
): Promise<PageOf<AuditEvent>> {
  const result = await listAuditEvents(db, orgId, page, filter);
  return {
    more: result.more,
    items: result.items.map((row) => ({
      id: row.id,
      actor: { type: row.actor_type, id: row.actor_id },
      action: row.action,
      target: { type: row.target_type, id: row.target_id },
      before: row.before,
      after: row.after,
      requestId: row.request_id,
      createdAt: row.created_at,
    })),
  };
}
