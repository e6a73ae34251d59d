import { MusterError, notFound } from '../../errors.ts';
import { hashSecret } from '../../infra/crypto/index.ts';
import { newId } from '../../infra/ids/index.ts';
import type { Db, InvitationRow } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { auditEventRow, type ChangeContext, recordAudit } from '../audit/index.ts';
import { recomputeRolesOf } from '../mappings/index.ts';
import { type Invitation, invitationSnapshot, statusOf, toInvitation } from './view.ts';

/** An invitation as its page shows it: what the person is invited to, and by whom. */
export interface OpenedInvitation {
  readonly invitation: Invitation;
  readonly org: {
    readonly id: string;
    readonly name: string;
    readonly slug: string;
    readonly appUrls: string[];
  };
  readonly teams: readonly string[];
  /** The inviter's name, when known. */
  readonly inviter: string | null;
}

const tokenShape = /^[A-Za-z0-9_-]{43}$/;

async function rowOf(db: Db, token: string, forUpdate = false): Promise<InvitationRow | undefined> {
  if (!tokenShape.test(token)) return undefined;
  return store.findInvitationByTokenHash(db, hashSecret(token), forUpdate);
}

/** The invitation a link opens, or undefined when the link opens none (never was, or replaced by a newer one). */
export async function openInvitation(db: Db, token: string): Promise<OpenedInvitation | undefined> {
  const row = await rowOf(db, token);
  if (!row) return undefined;
  const org = await store.findOrg(db, { id: row.org_id });
  if (!org) return undefined;
  const teams = await store.teamsByRefs(db, row.org_id, row.team_ids);
  return {
    invitation: toInvitation(row),
    org: { id: org.id, name: org.name, slug: org.slug, appUrls: org.app_urls },
    teams: teams.map((t) => t.name),
    inviter: row.inviter_name,
  };
}

/** Who accepts: a member already signed in (through SSO, or a password checked by the caller), or a new account. */
export type Acceptor =
  | { readonly kind: 'user'; readonly userId: string }
  | {
      readonly kind: 'new';
      readonly givenName: string | null;
      readonly familyName: string | null;
      /** Sets the new account's credentials, in the acceptance's transaction. */
      readonly credentials: (trx: Db, orgId: string, userId: string) => Promise<void>;
    };

export interface Accepted {
  readonly orgId: string;
  readonly userId: string;
  readonly invitationId: string;
  readonly created: boolean;
}

/**
 * Accepts an invitation in one transaction: the person joins the org
 * (created, or the account that signed in), with the role and teams the
 * invitation grants under source `invitation` (a later IdP removal does not
 * take them away), and the invitation is marked accepted. It binds to its
 * email: anyone signed in with another email is refused, and the
 * invitation stays pending.
 */
export async function acceptInvitation(
  db: Db,
  given: ChangeContext,
  token: string,
  acceptor: Acceptor,
): Promise<Accepted> {
  return db.transaction().execute(async (trx) => {
    const row = await rowOf(trx, token, true);
    if (!row) throw notFound('Invitation');
    const status = statusOf(row);
    if (status !== 'pending')
      throw new MusterError('conflict', `This invitation is ${status}: it can no longer be accepted`);
    const orgId = row.org_id;
    let userId: string;
    let created = false;
    let ctx = given;
    if (acceptor.kind === 'user') {
      const user = await store.findMember(trx, orgId, acceptor.userId, true);
      if (!user || user.email.toLowerCase() !== row.email)
        throw new MusterError(
          'forbidden',
          `This invitation is for ${row.email}; you are signed in as someone else. Sign out, then open the link again.`,
        );
      userId = user.id;
    } else {
      if (await store.findUserByEmail(trx, orgId, row.email))
        throw new MusterError('conflict', `${row.email} already has an account here: sign in to accept`);
      userId = newId();
      // From here the new account is who acts.
      ctx = { actor: { type: 'user', id: userId }, requestId: given.requestId };
      const profile = {
        email: row.email,
        given_name: acceptor.givenName,
        family_name: acceptor.familyName,
        display_name: [acceptor.givenName, acceptor.familyName].filter(Boolean).join(' ') || null,
      };
      await store.insertUser(trx, orgId, userId, profile, 'active');
      await acceptor.credentials(trx, orgId, userId);
      created = true;
      await recordAudit(trx, ctx, orgId, {
        action: 'invitation.user_created',
        target: { type: 'user', id: userId },
        after: {
          email: profile.email,
          givenName: profile.given_name,
          familyName: profile.family_name,
          displayName: profile.display_name,
          invitationId: row.id,
        },
      });
    }
    const cause = { type: 'invitation', id: row.id };
    for (const teamId of row.team_ids) {
      const event = auditEventRow(ctx, orgId, {
        action: 'membership.granted',
        target: { type: 'user', id: userId },
        after: { teamId, source: 'invitation', mappingId: null, invitationId: row.id, cause },
      });
      await store.insertAuditEvent(trx, event);
      await store.addSourceMembership(trx, orgId, {
        userId,
        teamId,
        source: 'invitation',
        sourceId: row.id,
        eventId: event.id,
      });
    }
    await store.grantRole(trx, orgId, userId, { role: row.role, source: 'invitation', source_id: row.id });
    await recomputeRolesOf(trx, orgId, [userId], {
      actorType: ctx.actor.type,
      actorId: ctx.actor.id,
      requestId: ctx.requestId ?? null,
      cause,
    });
    const updated = await store.updateInvitation(trx, orgId, row.id, {
      status: 'accepted',
      accepted_at: new Date(),
      accepted_user_id: userId,
    });
    if (!updated) throw notFound('Invitation');
    await recordAudit(trx, ctx, orgId, {
      action: 'invitation.accepted',
      target: { type: 'invitation', id: row.id },
      after: invitationSnapshot(toInvitation(updated)),
    });
    return { orgId, userId, invitationId: row.id, created };
  });
}

/** The account an email already has in the org, if any: the invited person signs in to it rather than making one. */
export async function accountOf(
  db: Db,
  orgId: string,
  email: string,
): Promise<{ id: string; email: string } | undefined> {
  const user = await store.findUserByEmail(db, orgId, email);
  return user ? { id: user.id, email: user.email } : undefined;
}

/** A member's email, by id: whom a session belongs to. */
export async function emailOfMember(db: Db, orgId: string, userId: string): Promise<string | undefined> {
  return (await store.findMember(db, orgId, userId))?.email;
}
