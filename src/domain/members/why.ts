import type { AuditEventRow, Db } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { getTeam } from '../orgs/index.ts';
import { findMemberRow } from './members.ts';
import { type GrantOrigin, originOf } from './view.ts';

/** The audit event behind a grant, as the chain's last link shows it. */
export interface CauseEvent {
  readonly eventId: string;
  readonly action: string;
  readonly actor: { readonly type: string; readonly id: string | null };
  readonly requestId: string | null;
  /** What set the change off: a SCIM request, a sign-in, a mapping's reconciliation or an admin. */
  readonly cause: unknown;
  readonly at: Date;
}

export interface MembershipExplanation {
  readonly user: { readonly id: string; readonly email: string };
  readonly team: { readonly id: string; readonly slug: string; readonly name: string };
  readonly member: boolean;
  /** Each source that holds the user in the team now, with the event that granted it. */
  readonly grants: (GrantOrigin & { readonly grantedBy: CauseEvent | null })[];
  /** Grants and revocations of this team for this user, newest first. */
  readonly history: (CauseEvent & { readonly source: unknown; readonly mappingId: unknown })[];
}

function causeEvent(row: AuditEventRow): CauseEvent {
  const after = (row.after ?? {}) as Record<string, unknown>;
  return {
    eventId: row.id,
    action: row.action,
    actor: { type: row.actor_type, id: row.actor_id },
    requestId: row.request_id,
    cause: after.cause ?? null,
    at: row.created_at,
  };
}

const historyLimit = 100;

/** Why a member is (or is not) in a team: the grants that hold them there and how each came to be. */
export async function explainMembership(
  db: Db,
  orgId: string,
  userRef: string,
  teamRef: string,
): Promise<MembershipExplanation> {
  const user = await findMemberRow(db, orgId, userRef);
  const team = await getTeam(db, orgId, teamRef);
  const grants = await store.teamGrantsOf(db, orgId, [user.id], team.id);
  const events = new Map(
    (
      await store.auditEventsByIds(
        db,
        orgId,
        grants.flatMap((g) => (g.event_id ? [g.event_id] : [])),
      )
    ).map((e) => [e.id, e]),
  );
  const history = (
    await store.eventsAboutUser(db, orgId, user.id, {
      actions: ['membership.granted', 'membership.revoked'],
      limit: historyLimit * 5,
    })
  )
    .filter((e) => (e.after as Record<string, unknown> | null)?.teamId === team.id)
    .slice(0, historyLimit);
  return {
    user: { id: user.id, email: user.email },
    team: { id: team.id, slug: team.slug, name: team.name },
    member: grants.length > 0,
    grants: grants.map((g) => {
      const event = g.event_id ? events.get(g.event_id) : undefined;
      return { ...originOf(g), grantedBy: event ? causeEvent(event) : null };
    }),
    history: history.map((e) => {
      const after = (e.after ?? {}) as Record<string, unknown>;
      return { ...causeEvent(e), source: after.source ?? null, mappingId: after.mappingId ?? null };
    }),
  };
}
