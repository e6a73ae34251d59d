import { sql } from 'kysely';
import type { Db } from '../database.ts';
import type { JobRow } from '../schema.ts';

/**
 * The job queue: rows claimed with SKIP LOCKED under a lease. A batch's work
 * and its progress commit together, fenced by the lease holder, so a job
 * resumed after a crash starts where the last committed batch ended.
 */

/** Queues a job; with `run_after`, to run no sooner (such as the next daily metadata refresh). */
export async function insertJob(
  db: Db,
  row: { id: string; org_id: string; kind: string; subject_id: string; run_after?: Date },
): Promise<JobRow> {
  return db.insertInto('jobs').values(row).returningAll().executeTakeFirstOrThrow();
}

/** A job of this subject not started yet: a second request for the same work joins it. */
export function findQueuedJob(db: Db, orgId: string, subjectId: string, kind: string) {
  return db
    .selectFrom('jobs')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('subject_id', '=', subjectId)
    .where('kind', '=', kind)
    .where('state', '=', 'queued')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export function findJob(db: Db, orgId: string, id: string) {
  return db
    .selectFrom('jobs')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/**
 * Takes the oldest runnable job (of one org, if given): queued, or running
 * under a lease that ran out (its runner died). Jobs of one subject run one
 * at a time.
 */
export async function claimJob(
  db: Db,
  owner: string,
  leaseSeconds: number,
  orgId?: string,
): Promise<JobRow | undefined> {
  const { rows } = await sql<JobRow>`
    update jobs
       set state = 'running', locked_by = ${owner}, attempts = attempts + 1, updated_at = now(),
           locked_until = now() + make_interval(secs => ${leaseSeconds})
     where id = (
       select j.id from jobs j
        where j.state in ('queued', 'running') and j.run_after <= now()
          and (j.state = 'queued' or j.locked_until is null or j.locked_until < now())
          ${orgId ? sql`and j.org_id = ${orgId}` : sql``}
          and not exists (
            select 1 from jobs r
             where r.org_id = j.org_id and r.subject_id = j.subject_id and r.id <> j.id
               and r.state = 'running' and r.locked_until >= now())
        order by j.run_after, j.id
        limit 1
        for update skip locked)
    returning *
  `.execute(db);
  return rows[0];
}

/**
 * Records a batch's progress and extends the lease, or ends the job, in the
 * batch's own transaction. False when this runner no longer holds the job:
 * the caller must roll the batch back.
 */
export async function advanceJob(
  db: Db,
  id: string,
  owner: string,
  progress: {
    cursor: unknown;
    done: number;
    total?: number | undefined;
    finished: boolean;
    leaseSeconds: number;
  },
): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({
      cursor: JSON.stringify(progress.cursor ?? null),
      done: sql`done + ${progress.done}`,
      ...(progress.total === undefined ? {} : { total: progress.total }),
      ...(progress.finished
        ? { state: 'done', locked_by: null, locked_until: null, finished_at: new Date(), error: null }
        : { locked_until: sql`now() + make_interval(secs => ${progress.leaseSeconds})` }),
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .where('locked_by', '=', owner)
    .where('state', '=', 'running')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Adds a transaction's counts to what the job changed, in that transaction. */
export async function addJobResult(
  db: Db,
  id: string,
  counts: Readonly<Record<string, number>>,
): Promise<void> {
  const delta = Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0));
  if (Object.keys(delta).length === 0) return;
  await sql`
    update jobs set result = result || (
      select jsonb_object_agg(d.key, coalesce((jobs.result ->> d.key)::bigint, 0) + d.value::bigint)
        from jsonb_each_text(${JSON.stringify(delta)}::jsonb) d
    ), updated_at = now()
     where id = ${id}
  `.execute(db);
}

/** A runner that stops between batches hands its job back at once, for another to resume. */
export async function releaseJob(db: Db, id: string, owner: string): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ locked_by: null, locked_until: null, updated_at: new Date() })
    .where('id', '=', id)
    .where('locked_by', '=', owner)
    .where('state', '=', 'running')
    .execute();
}

/** A failed attempt: retried after `retryAt`, or failed for good when there is none. */
export async function failJobAttempt(
  db: Db,
  id: string,
  owner: string,
  error: string,
  retryAt: Date | undefined,
): Promise<void> {
  await db
    .updateTable('jobs')
    .set({
      state: retryAt ? 'queued' : 'failed',
      error,
      locked_by: null,
      locked_until: null,
      ...(retryAt ? { run_after: retryAt } : { finished_at: new Date() }),
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .where('locked_by', '=', owner)
    .execute();
}

/**
 * Jobs left running by a process that is gone. Only safe where one process
 * owns the database (the embedded one): elsewhere leases say who is gone.
 */
export async function releaseRunningJobs(db: Db): Promise<number> {
  const result = await db
    .updateTable('jobs')
    .set({ locked_until: null, updated_at: new Date() })
    .where('state', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
