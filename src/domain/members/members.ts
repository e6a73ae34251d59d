import { MusterError, notFound } from '../../errors.ts';
import { isUuid } from '../../infra/ids/index.ts';
import type { Db, MemberFilter, OrgRole, PageOf, PageRequest, UserRow } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { adminCause, auditEventRow, type ChangeContext, recordAudit } from '../audit/index.ts';
import { revokeInvitationsSentBy } from '../invitations/index.ts';
import { recomputeRolesOf } from '../mappings/index.ts';
import { getTeam } from '../orgs/index.ts';
import { type Member, type MemberDetail, toMember, toMemberDetail } from './view.ts';

const orgRoles: readonly string[] = ['owner', 'admin', 'member'];

/** A member named by id or by email. */
export async function findMemberRow(db: Db, orgId: string, ref: string, forUpdate = false): Promise<UserRow> {
  const lower = ref.toLowerCase();
  let row: UserRow | undefined;
  // An email never holds control characters (nor could PostgreSQL compare a NUL): such a name names no one.
  if ([...lower].some((c) => c < ' ' || c === '\u007f')) row = undefined;
  else if (isUuid(lower)) row = await store.findMember(db, orgId, lower, forUpdate);
  else if (lower.includes('@')) {
    const byEmail = await store.findUserByEmail(db, orgId, lower);
    row = byEmail && forUpdate ? await store.findMember(db, orgId, byEmail.id, true) : byEmail;
  }
  if (!row) throw notFound('Member');
  return row;
}

export async function listMembers(
  db: Db,
  orgId: string,
  page: PageRequest,
  filter: Omit<MemberFilter, 'teamId'> & { team?: string | undefined },
): Promise<PageOf<Member>> {
  const teamId = filter.team === undefined ? undefined : (await getTeam(db, orgId, filter.team)).id;
  const result = await store.listMembers(db, orgId, page, { ...filter, teamId });
  const ids = result.items.map((u) => u.id);
  const [roleGrants, teamGrants] = [
    await store.roleGrantsOf(db, orgId, ids),
    await store.teamGrantsOf(db, orgId, ids),
  ];
  return {
    more: result.more,
    items: result.items.map((user) =>
      toMember(
        user,
        roleGrants.filter((g) => g.user_id === user.id),
        teamGrants.filter((g) => g.user_id === user.id),
      ),
    ),
  };
}

async function detailOf(db: Db, orgId: string, user: UserRow): Promise<MemberDetail> {
  return toMemberDetail(
    user,
    await store.roleGrantsOf(db, orgId, [user.id]),
    await store.teamGrantsOf(db, orgId, [user.id]),
  );
}

export async function getMember(db: Db, orgId: string, ref: string): Promise<MemberDetail> {
  return detailOf(db, orgId, await findMemberRow(db, orgId, ref));
}

export interface MemberPatch {
  readonly role?: string | undefined;
  /** Whether the manual role overrides what mappings and other sources grant. */
  readonly rolePinned?: boolean | undefined;
  /** Team ids or slugs: the teams the user holds by hand, replacing those held by hand before. */
  readonly teams?: readonly string[] | undefined;
}

function checkRole(role: string): OrgRole {
  if (!orgRoles.includes(role))
    throw new MusterError('unprocessable', 'The role must be owner, admin or member', {
      details: [{ path: 'role', message: 'must be owner, admin or member' }],
    });
  return role as OrgRole;
}

const lastOwner = () =>
  new MusterError('conflict', 'An organization keeps at least one owner; make another member owner first');

/** Sets the manual role and its pin; refuses a role that other grants would overrule unless it is pinned. */
async function applyRole(trx: Db, ctx: ChangeContext, orgId: string, user: UserRow, patch: MemberPatch) {
  const role = patch.role === undefined ? undefined : checkRole(patch.role);
  const manual = (await store.roleGrantsOf(trx, orgId, [user.id])).find((g) => g.source === 'manual');
  const pinned = patch.rolePinned ?? user.role_pinned;
  // Pinning without naming a role keeps the role the user has now.
  const wanted = role ?? manual?.role ?? (pinned ? user.role : null);
  const event = auditEventRow(ctx, orgId, {
    action: 'role_grant.set',
    target: { type: 'user', id: user.id },
    before: { role: manual?.role ?? null, pinned: user.role_pinned },
    after: { role: wanted, pinned, source: 'manual', cause: { type: 'admin', id: ctx.requestId ?? null } },
  });
  await store.insertAuditEvent(trx, event);
  await store.setManualRole(trx, orgId, user.id, { role: wanted, pinned, eventId: event.id });
  const [changed] = await recomputeRolesOf(trx, orgId, [user.id], adminCause(ctx));
  const effective = changed?.to ?? user.role;
  if (role !== undefined && effective !== role)
    throw new MusterError(
      'conflict',
      `Other grants make this member ${effective}; pin the role (rolePinned: true) to override them`,
    );
}

/** Replaces the teams the user holds by hand; teams held through other sources stay. */
async function applyTeams(
  trx: Db,
  ctx: ChangeContext,
  orgId: string,
  userId: string,
  refs: readonly string[],
) {
  const wanted = new Set<string>();
  for (const ref of refs) {
    try {
      wanted.add((await getTeam(trx, orgId, ref)).id);
    } catch (error) {
      if (error instanceof MusterError && error.code === 'not_found')
        throw new MusterError('unprocessable', `There is no team "${ref}" in this organization`, {
          details: [{ path: 'teams', message: `no team "${ref}"` }],
        });
      throw error;
    }
  }
  const held = new Set(await store.manualTeamIdsOf(trx, orgId, userId));
  const cause = { type: 'admin', id: ctx.requestId ?? null };
  for (const teamId of wanted) {
    if (held.has(teamId)) continue;
    const event = auditEventRow(ctx, orgId, {
      action: 'membership.granted',
      target: { type: 'user', id: userId },
      after: { teamId, source: 'manual', mappingId: null, cause },
    });
    await store.insertAuditEvent(trx, event);
    await store.addManualMembership(trx, orgId, userId, teamId, event.id);
  }
  for (const teamId of held) {
    if (wanted.has(teamId)) continue;
    await store.removeManualMembership(trx, orgId, userId, teamId);
    await recordAudit(trx, ctx, orgId, {
      action: 'membership.revoked',
      target: { type: 'user', id: userId },
      after: { teamId, source: 'manual', mappingId: null, cause },
    });
  }
}

/** Promotes or demotes, pins the role, or sets the teams a member holds by hand. */
export async function updateMember(
  db: Db,
  ctx: ChangeContext,
  orgId: string,
  ref: string,
  patch: MemberPatch,
): Promise<MemberDetail> {
  return db.transaction().execute(async (trx) => {
    const roleChange = patch.role !== undefined || patch.rolePinned !== undefined;
    const owners = roleChange ? await store.lockOwners(trx, orgId) : 0;
    const user = await findMemberRow(trx, orgId, ref, true);
    const before = await detailOf(trx, orgId, user);
    if (roleChange) {
      await applyRole(trx, ctx, orgId, user, patch);
      if (owners > 0 && (await store.lockOwners(trx, orgId)) === 0) throw lastOwner();
    }
    if (patch.teams !== undefined) await applyTeams(trx, ctx, orgId, user.id, patch.teams);
    const after = await detailOf(trx, orgId, await findMemberRow(trx, orgId, user.id));
    await recordAudit(trx, ctx, orgId, {
      action: 'member.updated',
      target: { type: 'user', id: user.id },
      before,
      after,
    });
    return after;
  });
}

/**
 * Removes a member from the org at once: the user, every grant and
 * membership, and any SCIM link (the IdP sees the user gone, and pushes it
 * again only if it still assigns it). Their sessions end with the user, and
 * the API keys they made and the invitations they sent are revoked. The
 * audit log keeps the history.
 */
export async function removeMember(db: Db, ctx: ChangeContext, orgId: string, ref: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const owners = await store.lockOwners(trx, orgId);
    const user = await findMemberRow(trx, orgId, ref, true);
    if (user.role === 'owner' && owners <= 1) throw lastOwner();
    const before = await detailOf(trx, orgId, user);
    for (const link of await store.scimLinksOf(trx, orgId, user.id))
      await store.adjustDirectoryCount(
        trx,
        { orgId, directoryId: link.directory_id, rowId: link.id },
        'user_count',
        -1,
      );
    // Offboarding in one step: the keys they made and the invitations they sent go with them.
    const keys = await store.revokeApiKeysCreatedBy(trx, orgId, `user:${user.id}`, new Date());
    for (const keyId of keys)
      await recordAudit(trx, ctx, orgId, {
        action: 'api_key.revoked',
        target: { type: 'api_key', id: keyId },
        after: { reason: 'creator_removed', userId: user.id },
      });
    await revokeInvitationsSentBy(trx, ctx, orgId, user.id);
    await store.deleteUser(trx, orgId, user.id);
    await recordAudit(trx, ctx, orgId, {
      action: 'member.removed',
      target: { type: 'user', id: user.id },
      before,
    });
  });
}
