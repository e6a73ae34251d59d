import { sql } from 'kysely';
import type { Db } from '../database.ts';
import type { MailRow, MailState } from '../schema.ts';

/** A mail to queue, in the transaction of the change that needs it. */
export interface NewMail {
  readonly id: string;
  readonly org_id: string;
  readonly kind: string;
  readonly subject_id: string | null;
  readonly to_address: string;
  readonly subject: string;
  readonly text_body: string;
  readonly html_body: string;
}

export async function insertMail(db: Db, row: NewMail): Promise<void> {
  await db.insertInto('mail_outbox').values(row).execute();
}

/** Where the latest mail about each subject stands: what an invitation shows as its delivery. */
export interface MailStatus {
  readonly subject_id: string;
  readonly state: MailState;
  readonly attempts: number;
  readonly last_error: string | null;
  readonly sent_at: Date | null;
  readonly next_attempt_at: Date | null;
}

export async function latestMailOf(
  db: Db,
  orgId: string,
  subjectIds: readonly string[],
  kinds: readonly string[] = ['invitation', 'invitation_reminder'],
): Promise<Map<string, MailStatus>> {
  if (subjectIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('mail_outbox')
    .select(['subject_id', 'state', 'attempts', 'last_error', 'sent_at', 'next_attempt_at'])
    .distinctOn('subject_id')
    .where('org_id', '=', orgId)
    .where('subject_id', 'in', [...subjectIds])
    .where('kind', 'in', [...kinds])
    .orderBy('subject_id')
    .orderBy('id', 'desc')
    .execute();
  return new Map(
    rows.map((row) => [row.subject_id as string, { ...row, subject_id: row.subject_id as string }]),
  );
}

/** An org's mails of one kind queued since a time, and the earliest of them: what a rate limit counts. */
export async function mailQueuedSince(
  db: Db,
  orgId: string,
  kind: string,
  since: Date,
): Promise<{ count: number; first: Date | null }> {
  const row = await db
    .selectFrom('mail_outbox')
    .select((eb) => [eb.fn.countAll<string>().as('count'), eb.fn.min('created_at').as('first')])
    .where('org_id', '=', orgId)
    .where('kind', '=', kind)
    .where('created_at', '>', since)
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), first: row.first ? new Date(row.first) : null };
}

export type { MailRow };

/*
 * The mail worker's side of the outbox. A process claims due mail under a
 * lease of its own (a token per claim), sends it, and settles it fenced by
 * that lease: a process whose lease ran out and was taken by another
 * settles nothing. All of it reads through mail_outbox_due_idx or the
 * primary key.
 */

/**
 * Leases queued mail, and failed mail whose retry is due, oldest due
 * first; mail another process holds, or that `except` names, is skipped.
 */
export async function claimDueMail(
  db: Db,
  lease: string,
  options: {
    readonly leaseSeconds: number;
    readonly limit: number;
    readonly orgId?: string | undefined;
    /** Mail not to claim: what the claimer is sending already. */
    readonly except?: readonly string[];
  },
): Promise<MailRow[]> {
  const { rows } = await sql<MailRow>`
    update mail_outbox
       set locked_by = ${lease}, locked_until = now() + make_interval(secs => ${options.leaseSeconds})
     where id in (
       select m.id from mail_outbox m
        where m.state in ('queued', 'failed') and m.next_attempt_at <= now()
          and (m.locked_until is null or m.locked_until < now())
          ${options.orgId ? sql`and m.org_id = ${options.orgId}` : sql``}
          ${options.except?.length ? sql`and m.id <> all(${[...options.except]}::uuid[])` : sql``}
        order by m.next_attempt_at
        limit ${options.limit}
        for update skip locked)
    returning *
  `.execute(db);
  return rows;
}

/** The server took the mail. False when the lease is no longer this claim's. */
export async function markMailSent(db: Db, id: string, lease: string): Promise<boolean> {
  const result = await db
    .updateTable('mail_outbox')
    .set({
      state: 'sent',
      attempts: sql<number>`attempts + 1`,
      sent_at: sql<Date>`now()`,
      next_attempt_at: null,
      last_error: null,
      locked_by: null,
      locked_until: null,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .where('locked_by', '=', lease)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * An attempt failed: the mail is retried at `retryAt`, or never again
 * when it is null (given up). False when the lease is no longer this claim's.
 */
export async function markMailFailed(
  db: Db,
  id: string,
  lease: string,
  failure: { readonly error: string; readonly retryAt: Date | null },
): Promise<boolean> {
  const result = await db
    .updateTable('mail_outbox')
    .set({
      state: 'failed',
      attempts: sql<number>`attempts + 1`,
      next_attempt_at: failure.retryAt,
      last_error: failure.error.slice(0, 1000),
      locked_by: null,
      locked_until: null,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .where('locked_by', '=', lease)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Lets go of a claimed mail unsent and untried: it is due again at once. */
export async function releaseMail(db: Db, id: string, lease: string): Promise<void> {
  await db
    .updateTable('mail_outbox')
    .set({ locked_by: null, locked_until: null })
    .where('id', '=', id)
    .where('locked_by', '=', lease)
    .execute();
}
