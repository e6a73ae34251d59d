import { MusterError } from '../../errors.ts';
import { newId } from '../../infra/ids/index.ts';
import type { Db, UserProfile, UserRow } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { auditEventRow, type ChangeContext, recordAudit } from '../audit/index.ts';
import { ssoGroupsClaimed } from '../mappings/index.ts';
import { profileSnapshot } from './profile.ts';

/** Why a sign-in was refused, for the person's error page and the admins' audit log. */
export type SignInRefusal = 'user_suspended' | 'jit_disabled' | 'link_unverified';

export class SignInRefused extends MusterError {
  readonly reason: SignInRefusal;
  constructor(reason: SignInRefusal, message: string) {
    super('forbidden', message);
    this.reason = reason;
  }
}

/** A person an IdP vouched for, as a sign-in protocol hands them over. */
export interface SsoSignIn {
  readonly orgId: string;
  readonly connectionId: string;
  /** The IdP's stable name for the person: SAML NameID, OIDC sub. */
  readonly subject: string;
  readonly profile: UserProfile;
  readonly groups: readonly string[];
  /** The IdP sent only some of the person's groups (Entra's overage): they add, never take back. */
  readonly groupsTruncated: boolean;
  /** This sign-in's id: the cause of every grant it changes. */
  readonly loginId: string;
  /** Whether a first sign-in creates the user. */
  readonly jit: boolean;
  /** Whether a user that exists with this email may be linked: only on a domain the org verified. */
  readonly linkByEmail: boolean;
}

export interface SignedIn {
  readonly user: UserRow;
  readonly created: boolean;
  readonly linked: boolean;
  /** The IdP cut the groups short and no SCIM directory knew them: the org's admins should hear of it. */
  readonly groupsTruncated: boolean;
}

/**
 * The groups a sign-in stands for. A claim the IdP cut short (Entra's
 * overage) is completed from what the org's SCIM directories pushed for the
 * person, when they pushed anything; only otherwise does it stay partial.
 */
async function claimedGroups(trx: Db, input: SsoSignIn, userId: string) {
  if (!input.groupsTruncated) return { groups: input.groups, groupsTruncated: false };
  const pushed = await store.scimGroupKeysOfUser(trx, input.orgId, userId);
  if (pushed.length === 0) return { groups: input.groups, groupsTruncated: true };
  return { groups: [...new Set([...input.groups, ...pushed])], groupsTruncated: false };
}

/** The user a sign-in is for: the subject's user, else the email's (if linking is allowed), else a new one. */
async function userFor(
  trx: Db,
  input: SsoSignIn,
): Promise<{ user: UserRow; created: boolean; linked: boolean }> {
  const known = await store.findUserBySubject(trx, input.orgId, input.connectionId, input.subject);
  if (known) return { user: known, created: false, linked: false };
  const byEmail = await store.findUserByEmail(trx, input.orgId, input.profile.email);
  if (byEmail) {
    // Suspension is the directory's word on the person, whoever signs in and however.
    if (byEmail.status === 'suspended')
      throw new SignInRefused('user_suspended', 'This account is suspended by its organization');
    if (!input.linkByEmail)
      throw new SignInRefused(
        'link_unverified',
        'An account with this email exists; the organization must verify the domain before sign-in can link to it',
      );
    return { user: byEmail, created: false, linked: true };
  }
  if (!input.jit)
    throw new SignInRefused(
      'jit_disabled',
      'There is no account for this person and the connection creates none',
    );
  const user = await store.insertUser(trx, input.orgId, newId(), input.profile, 'active');
  return { user, created: true, linked: false };
}

const sameGroups = (a: readonly string[], b: readonly string[]) => {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((g) => set.has(g));
};

/**
 * Most sign-ins are a person coming back with the same name and groups:
 * nothing to provision, link or map, so two statements and no lock (the
 * session checks the user is still active when it starts). Anything else
 * takes the full way below.
 */
async function repeatSignIn(db: Db, input: SsoSignIn, ctx: ChangeContext): Promise<SignedIn | undefined> {
  if (input.groupsTruncated) return undefined;
  const found = await store.findReturningUser(db, input.orgId, input.connectionId, input.subject);
  const { profile } = input;
  if (
    found?.status !== 'active' ||
    !found.has_grant ||
    found.given_name !== profile.given_name ||
    found.family_name !== profile.family_name ||
    found.display_name !== profile.display_name ||
    !sameGroups(found.identity_groups, input.groups)
  )
    return undefined;
  const { identity_groups: _, has_grant: __, ...user } = found;
  const userCtx: ChangeContext = { actor: { type: 'user', id: user.id }, requestId: ctx.requestId };
  await store.recordRepeatSignIn(
    db,
    input.orgId,
    input.connectionId,
    input.subject,
    auditEventRow(userCtx, input.orgId, {
      action: 'sso.signed_in',
      target: { type: 'user', id: user.id },
      after: {
        connectionId: input.connectionId,
        loginId: input.loginId,
        groups: input.groups,
        groupsTruncated: false,
      },
    }),
  );
  return { user, created: false, linked: false, groupsTruncated: false };
}

/**
 * Provisions a sign-in just in time: finds or creates the user, refreshes
 * their name, records the connection's grant and the groups the IdP sent,
 * and lets the mappings follow, all in one transaction. A user a directory
 * suspended is refused, and a refusal is itself audited.
 */
export async function signInWithSso(db: Db, input: SsoSignIn, ctx: ChangeContext): Promise<SignedIn> {
  const repeated = await repeatSignIn(db, input, ctx);
  if (repeated) return repeated;
  try {
    return await provision(db, input, ctx);
  } catch (error) {
    // Two first sign-ins of one person at once (a double click, two tabs): the other created the user.
    if (error instanceof MusterError && error.code === 'conflict') return provision(db, input, ctx);
    throw error;
  }
}

async function provision(db: Db, input: SsoSignIn, ctx: ChangeContext): Promise<SignedIn> {
  try {
    return await db.transaction().execute(async (trx) => {
      const found = await userFor(trx, input);
      if (found.user.status === 'suspended')
        throw new SignInRefused('user_suspended', 'This account is suspended by its organization');
      const { email: _, ...names } = input.profile;
      await store.updateUser(trx, input.orgId, found.user.id, names);
      await store.grantRole(trx, input.orgId, found.user.id, {
        role: 'member',
        source: 'sso',
        source_id: input.connectionId,
      });
      const userCtx: ChangeContext = { actor: { type: 'user', id: found.user.id }, requestId: ctx.requestId };
      const claimed = await claimedGroups(trx, input, found.user.id);
      await ssoGroupsClaimed(trx, { ...input, ...claimed, userId: found.user.id }, userCtx);
      await recordAudit(trx, userCtx, input.orgId, {
        action: found.created ? 'sso.user_created' : found.linked ? 'sso.user_linked' : 'sso.signed_in',
        target: { type: 'user', id: found.user.id },
        after: {
          ...profileSnapshot(input.profile),
          connectionId: input.connectionId,
          loginId: input.loginId,
          groups: claimed.groups,
          groupsTruncated: claimed.groupsTruncated,
          ...(input.groupsTruncated ? { groupsCompletedFromScim: !claimed.groupsTruncated } : {}),
        },
      });
      if (claimed.groupsTruncated)
        await recordAudit(trx, userCtx, input.orgId, {
          action: 'sso.groups_truncated',
          target: { type: 'connection', id: input.connectionId },
          after: { userId: found.user.id, loginId: input.loginId, groups: claimed.groups },
        });
      const user = await store.findMember(trx, input.orgId, found.user.id);
      return {
        user: user ?? found.user,
        created: found.created,
        linked: found.linked,
        groupsTruncated: claimed.groupsTruncated,
      };
    });
  } catch (error) {
    if (error instanceof SignInRefused)
      await recordAudit(db, ctx, input.orgId, {
        action: 'sso.sign_in_refused',
        target: { type: 'connection', id: input.connectionId },
        after: {
          reason: error.reason,
          subject: input.subject,
          email: input.profile.email,
          loginId: input.loginId,
        },
      });
    throw error;
  }
}
