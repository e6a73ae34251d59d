import { MusterError } from '../../errors.ts';
import { passwordHasher } from '../../infra/crypto/index.ts';
import { newId } from '../../infra/ids/index.ts';
import type { Db } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { recordAudit } from '../audit/index.ts';
import { findOrg } from '../orgs/index.ts';
import { type SigningKeys, type StartedSession, startSession } from '../sessions/index.ts';
import { connectionForDomain } from '../sources/index.ts';
import { maxPasswordLength } from './rules.ts';
import {
  accountSubject,
  clearAccountFailures,
  clientSubject,
  countAttempt,
  forgiveAttempt,
  refuseWhileLocked,
  secondsUntil,
} from './throttle.ts';

/** An email as a sign-in takes it: trimmed, one `@`, at most 320 characters; undefined if it is none. */
export function loginEmail(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const email = value.trim();
  return email.length <= 320 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) ? email : undefined;
}

function requireEmail(value: string): string {
  const email = loginEmail(value);
  if (!email)
    throw new MusterError('validation_failed', 'Enter your email address', {
      details: [{ path: 'email', message: 'Enter your email address' }],
    });
  return email;
}

/** How a person signs in: at the IdP their email's domain is routed to, or with a password. */
export type SignInMethod =
  | { readonly method: 'sso'; readonly orgId: string; readonly connectionId: string }
  | { readonly method: 'password'; readonly org: { readonly id: string; readonly slug: string } | null };

/**
 * An email whose domain an SSO connection serves signs in there, never
 * with a password: unless the sign-in names another org than the
 * connection's (a guest invited into an org that is not their company's).
 * `org` is a slug or id; an org that does not exist is `org: null`.
 */
export async function signInMethod(db: Db, email: string, org?: string): Promise<SignInMethod> {
  const address = requireEmail(email);
  const chosen = org ? await findOrg(db, org.trim().toLowerCase()) : undefined;
  const connection = await connectionForDomain(db, address);
  if (connection && (!org || chosen?.id === connection.orgId))
    return { method: 'sso', orgId: connection.orgId, connectionId: connection.connectionId };
  return { method: 'password', org: chosen ? { id: chosen.id, slug: chosen.slug } : null };
}

export interface LoginAttempt {
  readonly email: string;
  readonly password: string;
  /** The org's slug (or id) when the sign-in names one. */
  readonly org?: string | undefined;
  /** The client's address, for the per-address throttle. */
  readonly ip: string;
}

export type LoginOutcome =
  /** The password is right: start the session (startLocalSession). */
  | {
      readonly outcome: 'signed_in';
      readonly orgId: string;
      readonly userId: string;
      readonly loginId: string;
    }
  /** The email has passwords in several orgs and none was named: ask which. */
  | { readonly outcome: 'choose_org' }
  /** The email's domain signs in through SSO: send the person there. */
  | { readonly outcome: 'sso'; readonly orgId: string; readonly connectionId: string };

const refusal = 'The email address or the password is not right';
const lockedMessage = 'Too many failed sign-ins: wait a while before trying again';

/** The one answer to a wrong password, an unknown email, an unknown org alike. */
export function loginRefused(): MusterError {
  return new MusterError('unauthorized', refusal);
}

/**
 * Checks an email and password. Every attempt costs one argon2id hash,
 * whether or not the email has an account (a stand-in hash when it has
 * none), and gets the same answer when it fails (401), so neither the
 * answer nor its time says whether an account exists. Throttled per
 * account and per client address (429 with Retry-After); failures against
 * an account are audited as `account.login_failed`, at most as many as the
 * throttle lets through.
 */
export async function verifyLocalLogin(
  db: Db,
  attempt: LoginAttempt,
  ctx: { readonly requestId?: string | undefined } = {},
): Promise<LoginOutcome> {
  const email = requireEmail(attempt.email);
  if (!attempt.password)
    throw new MusterError('validation_failed', 'Enter your password', {
      details: [{ path: 'password', message: 'Enter your password' }],
    });
  const route = await signInMethod(db, email, attempt.org || undefined);
  if (route.method === 'sso') return { outcome: 'sso', orgId: route.orgId, connectionId: route.connectionId };
  const account = accountSubject(email);
  const client = clientSubject('ip', attempt.ip);
  await refuseWhileLocked(db, [account, client], lockedMessage);

  // A password longer than any that can be set is wrong: it is not hashed at its full length.
  const password = attempt.password.slice(0, maxPasswordLength * 2);
  const named = Boolean(attempt.org);
  const accounts =
    named && !route.org ? [] : await store.findLocalAccounts(db, email, { orgId: route.org?.id, limit: 20 });
  if (!named && accounts.length > 1) {
    // The cost of any attempt, so the question comes no sooner than a refusal would.
    await countAttempt(db, client);
    await passwordHasher.verify(password, null).catch(async (error: unknown) => {
      await forgiveAttempt(db, client);
      throw error;
    });
    return { outcome: 'choose_org' };
  }
  const found = accounts[0];
  const [byAccount, byClient] = await Promise.all([countAttempt(db, account), countAttempt(db, client)]);
  let matches: boolean;
  try {
    matches = await passwordHasher.verify(password, found?.password_hash);
  } catch (error) {
    // Not checked (too many hashes waiting): no failure either.
    await Promise.all([forgiveAttempt(db, account), forgiveAttempt(db, client)]);
    throw error;
  }
  if (!found || !matches) {
    const lockedUntil = byAccount.lockedUntil ?? byClient.lockedUntil;
    if (found)
      await recordAudit(db, { actor: { type: 'system', id: null }, requestId: ctx.requestId }, found.org_id, {
        action: 'account.login_failed',
        target: { type: 'user', id: found.user_id },
        after: { failures: byAccount.failures, lockedUntil, ip: attempt.ip },
      });
    if (lockedUntil)
      throw new MusterError('rate_limited', `${refusal}. ${lockedMessage}`, {
        retryAfterSeconds: secondsUntil(lockedUntil),
      });
    throw loginRefused();
  }
  await clearAccountFailures(db, email);
  await forgiveAttempt(db, client);
  if (found.status !== 'active')
    throw new MusterError(
      'forbidden',
      'This account is suspended by its organization: ask your administrator',
    );
  if (passwordHasher.needsRehash(found.password_hash)) await rehash(db, found, password);
  return { outcome: 'signed_in', orgId: found.org_id, userId: found.user_id, loginId: newId() };
}

/** Stores the password's hash with today's parameters; when the hasher is busy, at a later sign-in. */
async function rehash(db: Db, found: store.LocalAccountRow, password: string): Promise<void> {
  let fresh: string;
  try {
    fresh = await passwordHasher.hash(password);
  } catch (error) {
    if (error instanceof MusterError && error.code === 'rate_limited') return;
    throw error;
  }
  await store.rehashLocalCredential(db, found.org_id, found.user_id, found.password_hash, fresh);
}

/**
 * Starts the session of a person who signed in without an IdP: a password
 * sign-in, or an accepted invitation. Call it with the database, after the
 * transaction that created the account committed.
 */
export function startLocalSession(
  db: Db,
  keys: SigningKeys,
  person: { readonly orgId: string; readonly userId: string; readonly loginId?: string },
  ctx: { readonly requestId?: string | undefined } = {},
): Promise<StartedSession> {
  return startSession(
    db,
    keys,
    { orgId: person.orgId, userId: person.userId, connectionId: null, loginId: person.loginId ?? newId() },
    { actor: { type: 'user', id: person.userId }, requestId: ctx.requestId },
  );
}

/**
 * Checks the password of an account in one org (an invited person signing
 * in to the account they have): the user's id, or the refusals of
 * `verifyLocalLogin` (401 alike for every failure, 429 when throttled).
 */
export async function verifyOrgPassword(
  db: Db,
  login: { readonly orgId: string; readonly email: string; readonly password: string; readonly ip: string },
  ctx: { readonly requestId?: string | undefined } = {},
): Promise<string> {
  const outcome = await verifyLocalLogin(db, { ...login, org: login.orgId }, ctx);
  if (outcome.outcome !== 'signed_in') throw loginRefused();
  return outcome.userId;
}
