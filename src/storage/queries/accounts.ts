import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../database.ts';
import type { LoginThrottleScope, PasswordResetTokenRow } from '../schema.ts';

/** A user with a password, as a sign-in by email finds them. */
export interface LocalAccountRow {
  readonly org_id: string;
  readonly org_slug: string;
  readonly org_name: string;
  readonly user_id: string;
  readonly email: string;
  readonly status: 'active' | 'suspended';
  readonly password_hash: string;
}

/**
 * The accounts with a password for an email (any case), in one org or in
 * all (at most `limit`, by org slug).
 */
export function findLocalAccounts(
  db: Db,
  email: string,
  options: { readonly orgId?: string | undefined; readonly limit: number },
): Promise<LocalAccountRow[]> {
  let query = db
    .selectFrom('users as u')
    .innerJoin('local_credentials as c', (join) =>
      join.onRef('c.org_id', '=', 'u.org_id').onRef('c.user_id', '=', 'u.id'),
    )
    .innerJoin('orgs as o', 'o.id', 'u.org_id')
    .select([
      'u.org_id',
      'o.slug as org_slug',
      'o.name as org_name',
      'u.id as user_id',
      'u.email',
      'u.status',
      'c.password_hash',
    ])
    .where(sql<string>`lower(u.email)`, '=', email.toLowerCase());
  if (options.orgId !== undefined) query = query.where('u.org_id', '=', options.orgId);
  return query.orderBy('o.slug').limit(options.limit).execute();
}

export function findLocalCredential(db: Db, orgId: string, userId: string) {
  return db
    .selectFrom('local_credentials')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

/** Sets a user's password hash; true when the user had none before. */
export async function upsertLocalCredential(
  db: Db,
  orgId: string,
  userId: string,
  passwordHash: string,
): Promise<boolean> {
  const row = await db
    .insertInto('local_credentials')
    .values({ org_id: orgId, user_id: userId, password_hash: passwordHash })
    .onConflict((oc) =>
      oc.columns(['org_id', 'user_id']).doUpdateSet({ password_hash: passwordHash, updated_at: new Date() }),
    )
    .returning(sql<boolean>`xmax = 0`.as('inserted'))
    .executeTakeFirstOrThrow();
  return row.inserted;
}

/** Replaces a hash made with older parameters, unless the password changed meanwhile. */
export async function rehashLocalCredential(
  db: Db,
  orgId: string,
  userId: string,
  previousHash: string,
  passwordHash: string,
): Promise<void> {
  await db
    .updateTable('local_credentials')
    .set({ password_hash: passwordHash })
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('password_hash', '=', previousHash)
    .execute();
}

// Password reset links.

export async function insertPasswordResetToken(
  db: Db,
  row: { id: string; orgId: string; userId: string; tokenHash: string; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('password_reset_tokens')
    .values({
      id: row.id,
      org_id: row.orgId,
      user_id: row.userId,
      token_hash: row.tokenHash,
      expires_at: row.expiresAt,
    })
    .execute();
}

/** How many links a user was sent since `since`. */
export async function countPasswordResetTokens(
  db: Db,
  orgId: string,
  userId: string,
  since: Date,
): Promise<number> {
  const row = await db
    .selectFrom('password_reset_tokens')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('created_at', '>=', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A link still usable (unused, unexpired), with its user and org. */
export interface PasswordResetTarget {
  readonly id: string;
  readonly org_id: string;
  readonly user_id: string;
  readonly email: string;
  readonly status: 'active' | 'suspended';
  readonly org_slug: string;
  readonly org_name: string;
  readonly expires_at: Date;
}

export function findPasswordResetToken(db: Db, tokenHash: string): Promise<PasswordResetTarget | undefined> {
  return db
    .selectFrom('password_reset_tokens as t')
    .innerJoin('users as u', (join) =>
      join.onRef('u.org_id', '=', 't.org_id').onRef('u.id', '=', 't.user_id'),
    )
    .innerJoin('orgs as o', 'o.id', 't.org_id')
    .select([
      't.id',
      't.org_id',
      't.user_id',
      'u.email',
      'u.status',
      'o.slug as org_slug',
      'o.name as org_name',
      't.expires_at',
    ])
    .where('t.token_hash', '=', tokenHash)
    .where('t.used_at', 'is', null)
    .where('t.expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
}

/** Uses a link, once: the first caller gets its row, every later one (or after its hour) nothing. */
export async function consumePasswordResetToken(
  db: Db,
  tokenHash: string,
): Promise<PasswordResetTokenRow | undefined> {
  const { rows } = await sql<PasswordResetTokenRow>`
    update password_reset_tokens set used_at = now()
     where token_hash = ${tokenHash} and used_at is null and expires_at > now()
    returning *
  `.execute(db);
  return rows[0];
}

/** Voids a user's other unused links (one was just used). */
export async function voidPasswordResetTokens(db: Db, orgId: string, userId: string): Promise<void> {
  await db
    .updateTable('password_reset_tokens')
    .set({ used_at: sql<Date>`now()` })
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .execute();
}

/** Drops links that expired before `before`; a bounded number at a time. */
export async function purgePasswordResetTokens(db: Db, before: Date, limit = 500): Promise<number> {
  const { rows } = await sql<{ id: string }>`
    delete from password_reset_tokens
     where id in (select id from password_reset_tokens where expires_at < ${before} limit ${limit})
    returning id
  `.execute(db);
  return rows.length;
}

// The sign-in throttle.

export interface ThrottleSubject {
  readonly scope: LoginThrottleScope;
  /** SHA-256 (hex) of what is throttled. */
  readonly hash: string;
}

/** A throttle's policy: after `threshold` failures within `windowSeconds`, locks that double up to a cap. */
export interface ThrottlePolicy {
  readonly threshold: number;
  readonly baseSeconds: number;
  readonly capSeconds: number;
  readonly windowSeconds: number;
}

/** The subjects locked now, with when their lock ends. */
export function lockedThrottles(
  db: Db,
  subjects: readonly ThrottleSubject[],
): Promise<{ scope: LoginThrottleScope; subject_hash: string; locked_until: Date | null }[]> {
  if (subjects.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('login_throttles')
    .select(['scope', 'subject_hash', 'locked_until'])
    .where((eb) =>
      eb.or(subjects.map((s) => eb.and([eb('scope', '=', s.scope), eb('subject_hash', '=', s.hash)]))),
    )
    .where('locked_until', '>', sql<Date>`now()`)
    .execute();
}

/**
 * Counts one failure for a subject, in one statement whichever process
 * runs it: failures older than the window are forgotten first, and from
 * the threshold on each failure locks the subject for
 * min(cap, base × 2^(failures − threshold)) seconds.
 */
export async function countThrottleFailure(
  db: Db,
  subject: ThrottleSubject,
  policy: ThrottlePolicy,
): Promise<{ failures: number; locked_until: Date | null }> {
  const window = sql`make_interval(secs => ${policy.windowSeconds}::float8)`;
  const lockAt = (failures: RawBuilder<number>) =>
    sql<Date | null>`case when ${failures} >= ${policy.threshold}::int
      then now() + make_interval(secs => least(${policy.capSeconds}::float8,
        ${policy.baseSeconds}::float8 * power(2, ${failures} - ${policy.threshold}::int))) end`;
  const first = sql<number>`1`;
  const next = sql<number>`(case when t.last_failure_at < now() - ${window} then 1 else t.failures + 1 end)`;
  const { rows } = await sql<{ failures: number; locked_until: Date | null }>`
    insert into login_throttles as t (scope, subject_hash, failures, locked_until, last_failure_at, expires_at)
    values (${subject.scope}, ${subject.hash}, 1, ${lockAt(first)}, now(),
            greatest(now() + ${window}, ${lockAt(first)}))
    on conflict (scope, subject_hash) do update set
      failures = ${next},
      locked_until = greatest(t.locked_until, ${lockAt(next)}),
      last_failure_at = now(),
      expires_at = greatest(now() + ${window}, t.locked_until, ${lockAt(next)})
    returning failures, locked_until
  `.execute(db);
  const row = rows[0];
  if (!row) throw new Error('login throttle not written');
  return row;
}

/**
 * Takes back one counted failure (the attempt turned out not to be one),
 * and the lock with it when the count falls below the threshold.
 */
export async function forgiveThrottleFailure(
  db: Db,
  subject: ThrottleSubject,
  threshold: number,
): Promise<void> {
  await sql`
    update login_throttles
       set failures = greatest(failures - 1, 0),
           locked_until = case when failures - 1 >= ${threshold}::int then locked_until end
     where scope = ${subject.scope} and subject_hash = ${subject.hash}
  `.execute(db);
}

/** Forgets a subject's failures and lock. */
export async function clearThrottle(db: Db, subject: ThrottleSubject): Promise<void> {
  await db
    .deleteFrom('login_throttles')
    .where('scope', '=', subject.scope)
    .where('subject_hash', '=', subject.hash)
    .execute();
}

/** Drops throttle rows whose window and lock have passed; a bounded number at a time. */
export async function purgeLoginThrottles(db: Db, before: Date, limit = 500): Promise<number> {
  const { rows } = await sql<{ scope: string }>`
    delete from login_throttles
     where (scope, subject_hash) in (
       select scope, subject_hash from login_throttles where expires_at < ${before} limit ${limit})
    returning scope
  `.execute(db);
  return rows.length;
}

/** A user's email and status, for the rules a new password is checked against. */
export function findAccountHolder(db: Db, orgId: string, userId: string) {
  return db
    .selectFrom('users')
    .select(['id', 'email', 'status'])
    .where('org_id', '=', orgId)
    .where('id', '=', userId)
    .executeTakeFirst();
}
