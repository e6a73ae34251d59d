/**
 * The events the application hears, as the audit log records their
 * changes. Each audit action that is one maps to an event type, with the
 * resource after the change as its data; audit actions of no interest to
 * the application (refused sign-ins, token rotations) are not events.
 */
export const eventTypes = [
  'user.created',
  'user.updated',
  'user.suspended',
  'user.reactivated',
  'user.deleted',
  'membership.added',
  'membership.removed',
  'role.changed',
  'team.created',
  'team.updated',
  'team.deleted',
  'connection.created',
  'connection.updated',
  'connection.deleted',
  'directory.created',
  'directory.updated',
  'directory.deleted',
  'session.signed_in',
  'session.signed_out',
  'certificate.expiring',
  'invitation.created',
  'invitation.accepted',
  'invitation.expired',
  'invitation.revoked',
] as const;

export type EventType = (typeof eventTypes)[number];

/** What the audit log holds of one change. */
export interface AuditedChange {
  readonly action: string;
  readonly targetId: string | null;
  readonly before: unknown;
  readonly after: unknown;
}

type Json = Readonly<Record<string, unknown>>;
const record = (value: unknown): Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};

/** The data of an event: the target's id and what the change left, without the cause (the event carries it apart). */
function resource(change: AuditedChange, side: 'before' | 'after' = 'after'): Json {
  const { cause: _cause, ...rest } = record(change[side]);
  return { ...rest, id: change.targetId };
}

type Projection = (change: AuditedChange) => { type: EventType; data: Json } | null;

/** An action that is always one event type, whose data is the target after (or, when it went, before) the change. */
const one =
  (type: EventType, side: 'before' | 'after' = 'after'): Projection =>
  (change) => ({ type, data: resource(change, side) });

/**
 * Session events are about a session (its id), or several a revocation
 * ended (`sessionIds`), of the user they name; a logout says so as its
 * reason, as revocations say theirs.
 */
const session =
  (type: EventType, reason?: string): Projection =>
  (change) => {
    const { cause: _cause, ...rest } = record(change.after);
    const id = typeof rest.sessionId === 'string' ? { id: rest.sessionId } : {};
    return { type, data: { ...id, ...(reason ? { reason } : {}), ...rest, userId: change.targetId } };
  };

/** A removed member as the application needs it: who, their role, their teams; not Muster's bookkeeping. */
function removedMember(change: AuditedChange): Json {
  const before = record(change.before);
  const teams = Array.isArray(before.teams) ? before.teams.map(record) : [];
  return {
    id: change.targetId,
    email: before.email ?? null,
    givenName: before.givenName ?? null,
    familyName: before.familyName ?? null,
    displayName: before.displayName ?? null,
    role: before.role ?? null,
    teams: teams.map((team) => ({ id: team.id, name: team.name, slug: team.slug })),
  };
}

const catalog: Readonly<Record<string, Projection>> = {
  'scim.user_created': one('user.created'),
  'sso.user_created': one('user.created'),
  'invitation.user_created': one('user.created'),
  'scim.user_updated': one('user.updated'),
  // A directory took over a user that was there (same email, or signed in as its externalId): its
  // profile and status are now the directory's.
  'scim.user_linked': (change) => ({
    type: record(change.after).active === false ? 'user.suspended' : 'user.updated',
    data: resource(change),
  }),
  'sso.user_linked': one('user.updated'),
  'scim.user_suspended': one('user.suspended'),
  'scim.user_reactivated': one('user.reactivated'),
  // The SCIM user went; the org user did only where no other source held it.
  'scim.user_deleted': (change) => {
    const status = record(change.after).status;
    if (status === 'deleted') return { type: 'user.deleted', data: resource(change, 'before') };
    if (status === 'suspended') return { type: 'user.suspended', data: resource(change) };
    return null;
  },
  'member.removed': (change) => ({ type: 'user.deleted', data: removedMember(change) }),
  'membership.granted': one('membership.added'),
  'membership.revoked': one('membership.removed'),
  'member.role_changed': (change) => ({
    type: 'role.changed',
    data: { ...resource(change), previousRole: record(change.before).role ?? null },
  }),
  // An admin's change to a member is a role change only when the role moved.
  'member.updated': (change) => {
    const before = record(change.before).role;
    const after = record(change.after).role;
    return before !== undefined && after !== undefined && before !== after
      ? { type: 'role.changed', data: { id: change.targetId, role: after, previousRole: before } }
      : null;
  },
  'team.created': one('team.created'),
  'team.updated': one('team.updated'),
  'team.deleted': one('team.deleted', 'before'),
  'connection.created': one('connection.created'),
  'connection.updated': one('connection.updated'),
  'connection.deleted': one('connection.deleted', 'before'),
  'directory.created': one('directory.created'),
  'directory.updated': one('directory.updated'),
  'directory.deleted': one('directory.deleted', 'before'),
  'connection.certificate_expiring': one('certificate.expiring'),
  'invitation.created': one('invitation.created'),
  'invitation.accepted': one('invitation.accepted'),
  'invitation.expired': one('invitation.expired'),
  'invitation.revoked': one('invitation.revoked'),
  'session.started': session('session.signed_in'),
  'session.ended': session('session.signed_out', 'logout'),
  'session.revoked': session('session.signed_out'),
};

/** The event an audited change is, or null when it is none. */
export function eventOf(change: AuditedChange): { type: EventType; data: Json } | null {
  return catalog[change.action]?.(change) ?? null;
}
