import { MusterError, notFound } from '../../errors.ts';
import { passwordHasher } from '../../infra/crypto/index.ts';
import type { Db } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { type ChangeContext, recordAudit } from '../audit/index.ts';
import { checkNewPassword } from './rules.ts';

/**
 * A new password checked against the rules and hashed, ready to store. Made
 * before the transaction that stores it, so the transaction does not wait
 * on the hash (tens of milliseconds, and a place in the hashing queue).
 */
export interface PreparedPassword {
  readonly kind: 'prepared_password';
  /** argon2id, PHC string. */
  readonly hash: string;
  /** The address it was checked against: it must still be the user's. */
  readonly email: string;
}

/**
 * Checks a new password (at least 12 characters, at most 256, not common,
 * not the email) and hashes it. Throws 400 `validation_failed` naming the
 * problem, or 429 when too many hashes are waiting.
 */
export async function preparePassword(
  password: string,
  context: { readonly email: string },
): Promise<PreparedPassword> {
  checkNewPassword(password, context);
  return {
    kind: 'prepared_password',
    hash: await passwordHasher.hash(password),
    email: context.email.toLowerCase(),
  };
}

/**
 * Gives a user a password (a new local account) or replaces theirs, in the
 * caller's transaction, audited as `account.password_set`. Takes the
 * password itself (checked and hashed here) or, better inside a
 * transaction, one made by `preparePassword` for this user's email.
 */
export async function setLocalPassword(
  trx: Db,
  orgId: string,
  userId: string,
  password: string | PreparedPassword,
  ctx: ChangeContext,
): Promise<void> {
  const user = await store.findAccountHolder(trx, orgId, userId);
  if (!user) throw notFound('User');
  let hash: string;
  if (typeof password === 'string') hash = (await preparePassword(password, { email: user.email })).hash;
  else if (password.email !== user.email.toLowerCase())
    throw new MusterError('conflict', "The password was checked against another address than the user's");
  else hash = password.hash;
  const created = await store.upsertLocalCredential(trx, orgId, userId, hash);
  await recordAudit(trx, ctx, orgId, {
    action: 'account.password_set',
    target: { type: 'user', id: userId },
    after: { created },
  });
}

/** Whether a user can sign in with a password (has a local account). */
export async function hasLocalPassword(db: Db, orgId: string, userId: string): Promise<boolean> {
  return (await store.findLocalCredential(db, orgId, userId)) !== undefined;
}
