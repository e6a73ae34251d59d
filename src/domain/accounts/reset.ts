import { MusterError } from '../../errors.ts';
import { hashSecret, passwordHasher, randomSecret } from '../../infra/crypto/index.ts';
import { newId } from '../../infra/ids/index.ts';
import type { Db } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { recordAudit } from '../audit/index.ts';
import { queueMail } from '../mail/index.ts';
import { revokeUserSessions } from '../sessions/index.ts';
import { loginEmail, signInMethod } from './login.ts';
import { passwordResetMail } from './reset-mail.ts';
import { checkNewPassword } from './rules.ts';
import { clearAccountFailures, clientSubject, countAttempt, refuseWhileLocked } from './throttle.ts';

/** How long a reset link works. */
export const resetLinkLifetimeSeconds = 3600;
/** Links one account is sent an hour; asking for more sends nothing (and says the same). */
export const resetLinksPerHour = 3;
/** Accounts one address may have a link sent to at once (one per org). */
const maxAccountsPerRequest = 5;

const resetUrl = (publicUrl: string, token: string) => `${publicUrl}/login/reset/${token}`;
const tokenPattern = /^[A-Za-z0-9_-]{43}$/;

export interface ResetRequest {
  readonly email: string;
  /** The org's slug or id, when the request names one; otherwise every org where the email has a password. */
  readonly org?: string | undefined;
  readonly ip: string;
  /** PUBLIC_URL: where the link in the mail points. */
  readonly publicUrl: string;
}

/**
 * Sends a reset link to each account with a password this email has (in
 * the org named, or in each org): a mail queued in the transaction that
 * stores the link's hash, audited as `account.password_reset_requested`.
 * Says nothing either way: an unknown email, an address routed to SSO, an
 * account sent three links this hour all return as a sent link does.
 * Throttled per client address (429).
 */
export async function requestPasswordReset(
  db: Db,
  request: ResetRequest,
  ctx: { readonly requestId?: string | undefined } = {},
): Promise<void> {
  const email = loginEmail(request.email);
  if (!email)
    throw new MusterError('validation_failed', 'Enter your email address', {
      details: [{ path: 'email', message: 'Enter your email address' }],
    });
  const client = clientSubject('reset', request.ip);
  await refuseWhileLocked(db, [client], 'Too many reset links were asked for from here: wait a while');
  await countAttempt(db, client);
  const route = await signInMethod(db, email, request.org || undefined);
  if (route.method === 'sso' || (request.org && !route.org)) return;
  const accounts = await store.findLocalAccounts(db, email, {
    orgId: route.org?.id,
    limit: maxAccountsPerRequest,
  });
  const since = new Date(Date.now() - 3600_000);
  for (const account of accounts) {
    if (account.status !== 'active') continue;
    if (
      (await store.countPasswordResetTokens(db, account.org_id, account.user_id, since)) >= resetLinksPerHour
    )
      continue;
    const token = randomSecret();
    const expiresAt = new Date(Date.now() + resetLinkLifetimeSeconds * 1000);
    await db.transaction().execute(async (trx) => {
      const id = newId();
      await store.insertPasswordResetToken(trx, {
        id,
        orgId: account.org_id,
        userId: account.user_id,
        tokenHash: hashSecret(token),
        expiresAt,
      });
      await queueMail(
        trx,
        passwordResetMail({
          orgId: account.org_id,
          orgName: account.org_name,
          userId: account.user_id,
          to: account.email,
          link: resetUrl(request.publicUrl, token),
          expiresAt,
        }),
      );
      await recordAudit(
        trx,
        { actor: { type: 'system', id: null }, requestId: ctx.requestId },
        account.org_id,
        {
          action: 'account.password_reset_requested',
          target: { type: 'user', id: account.user_id },
          after: { resetId: id, expiresAt, ip: request.ip },
        },
      );
    });
  }
  // One request in sixteen sweeps up to 500 stale rows of each table: they stay small without a timer.
  if (Math.random() < 1 / 16) {
    await store.purgePasswordResetTokens(db, new Date(Date.now() - 24 * 3600_000));
    await store.purgeLoginThrottles(db, new Date());
  }
}

/** A reset link that still works, as its page shows it. */
export interface PasswordResetView {
  readonly orgName: string;
  readonly orgSlug: string;
  readonly email: string;
}

/** The link's account, when the link is unused and in its hour; undefined otherwise. */
export async function passwordResetView(db: Db, token: string): Promise<PasswordResetView | undefined> {
  if (!tokenPattern.test(token)) return undefined;
  const target = await store.findPasswordResetToken(db, hashSecret(token));
  return target && { orgName: target.org_name, orgSlug: target.org_slug, email: target.email };
}

const linkGone = () =>
  new MusterError(
    'not_found',
    'This link does not work any more: it was used, its hour passed, or it was copied wrong. Ask for a new one.',
  );

/**
 * Sets a new password with a reset link: the link is used up (once, in
 * the transaction that stores the password), the account's other links
 * voided, every session of the user ended, and the account's failed
 * sign-ins forgotten; audited as `account.password_reset`. A password the
 * rules refuse (400) leaves the link as it was.
 */
export async function resetPassword(
  db: Db,
  reset: { readonly token: string; readonly password: string },
  ctx: { readonly requestId?: string | undefined } = {},
): Promise<{
  readonly orgId: string;
  readonly orgSlug: string;
  readonly email: string;
  readonly sessionsEnded: number;
}> {
  if (!tokenPattern.test(reset.token)) throw linkGone();
  const tokenHash = hashSecret(reset.token);
  const target = await store.findPasswordResetToken(db, tokenHash);
  if (!target) throw linkGone();
  if (target.status !== 'active')
    throw new MusterError(
      'forbidden',
      'This account is suspended by its organization: ask your administrator',
    );
  checkNewPassword(reset.password, { email: target.email });
  const hash = await passwordHasher.hash(reset.password);
  const userCtx = { actor: { type: 'user' as const, id: target.user_id }, requestId: ctx.requestId };
  const sessionsEnded = await db.transaction().execute(async (trx) => {
    if (!(await store.consumePasswordResetToken(trx, tokenHash))) throw linkGone();
    await store.upsertLocalCredential(trx, target.org_id, target.user_id, hash);
    await store.voidPasswordResetTokens(trx, target.org_id, target.user_id);
    const ended = await revokeUserSessions(trx, target.org_id, target.user_id, 'password_reset', userCtx);
    await recordAudit(trx, userCtx, target.org_id, {
      action: 'account.password_reset',
      target: { type: 'user', id: target.user_id },
      after: { resetId: target.id, sessionsEnded: ended },
    });
    return ended;
  });
  await clearAccountFailures(db, target.email);
  return { orgId: target.org_id, orgSlug: target.org_slug, email: target.email, sessionsEnded };
}
