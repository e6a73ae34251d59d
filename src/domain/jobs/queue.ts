import { newId } from '../../infra/ids/index.ts';
import type { Db, JobRow, JobState } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';

/** A background job as callers and admins see it. */
export interface Job {
  readonly id: string;
  readonly orgId: string;
  readonly kind: string;
  readonly subjectId: string;
  readonly state: JobState;
  readonly cursor: unknown;
  readonly done: number;
  readonly total: number | null;
  readonly attempts: number;
  readonly error: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly finishedAt: Date | null;
}

export function toJob(row: JobRow): Job {
  return {
    id: row.id,
    orgId: row.org_id,
    kind: row.kind,
    subjectId: row.subject_id,
    state: row.state,
    cursor: row.cursor,
    done: row.done,
    total: row.total,
    attempts: row.attempts,
    error: row.error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}

const listeners = new Set<() => void>();

/**
 * Queues work on a subject, in the caller's transaction, so the job exists
 * exactly when the change that needs it commits. A job of the same kind on
 * the same subject that has not started yet already covers it.
 */
export async function enqueueJob(
  trx: Db,
  job: { orgId: string; kind: string; subjectId: string },
): Promise<Job> {
  const queued = await store.findQueuedJob(trx, job.orgId, job.subjectId, job.kind);
  if (queued) return toJob(queued);
  return toJob(
    await store.insertJob(trx, { id: newId(), org_id: job.orgId, kind: job.kind, subject_id: job.subjectId }),
  );
}

/** Wakes this process's runners; call once the transaction that queued the job has committed. */
export function notifyJobsQueued(): void {
  for (const listener of listeners) listener();
}

export function onJobsQueued(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
