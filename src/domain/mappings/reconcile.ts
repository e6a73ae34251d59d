import type { Db } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { causeOf, systemContext } from '../audit/index.ts';
import type { Job, JobHandler, JobPage } from '../jobs/index.ts';
import { syncGrants } from './engine.ts';

/** The job that brings every user in line with a mapping after it is created, changed or deleted. */
export const reconcileKind = 'mapping.reconcile';

/**
 * First the users holding the mapping's grants (so a changed team or role
 * moves, and a deleted mapping's grants go), then the members of its group
 * (so those holding nothing yet get it).
 */
interface Cursor {
  readonly phase: 'holders' | 'members';
  readonly after: string | null;
}

function readCursor(value: unknown): Cursor {
  const c = (typeof value === 'object' && value !== null ? value : {}) as Partial<Cursor>;
  return {
    phase: c.phase === 'members' ? 'members' : 'holders',
    after: typeof c.after === 'string' ? c.after : null,
  };
}

/** What a reconciliation changed, from its job's result. */
export function reconcileOutcome(result: Readonly<Record<string, number>> | null): {
  added: number;
  removed: number;
  roleChanges: number;
} {
  return { added: result?.added ?? 0, removed: result?.removed ?? 0, roleChanges: result?.roleChanges ?? 0 };
}

/** The next users after the cursor: their ids, and the key the cursor moves to after them. */
async function nextUsers(
  db: Db,
  orgId: string,
  mapping: store.GroupMappingView,
  cursor: Cursor,
  limit: number,
): Promise<{ userIds: string[]; last: string | undefined }> {
  const page = { after: cursor.after ?? undefined, limit };
  if (cursor.phase === 'holders') {
    const userIds = await store.holdersOfMapping(db, orgId, mapping.id, page);
    return { userIds, last: userIds.at(-1) };
  }
  if (mapping.state !== 'active') return { userIds: [], last: undefined };
  if (mapping.scim_group_id) {
    const members = await store.membersOfScimGroup(db, orgId, mapping.scim_group_id, page);
    return { userIds: members.map((m) => m.userId), last: members.at(-1)?.memberId };
  }
  if (mapping.connection_id) {
    const userIds = await store.usersClaimingGroup(db, orgId, mapping.connection_id, mapping.group_key, page);
    return { userIds, last: userIds.at(-1) };
  }
  return { userIds: [], last: undefined };
}

async function next(db: Db, job: Job, limit: number): Promise<JobPage> {
  const cursor = readCursor(job.cursor);
  const mapping = await store.findGroupMapping(db, job.orgId, job.subjectId);
  // Gone with its team or its source: its grants went with it.
  if (!mapping) return { items: [], cursor, total: job.done, finished: true };
  const total = job.total ?? (await store.reconcileWorkSize(db, job.orgId, mapping));
  const { userIds, last } = await nextUsers(db, job.orgId, mapping, cursor, limit);
  if (userIds.length === limit && last)
    return { items: userIds, cursor: { ...cursor, after: last }, total, finished: false };
  if (cursor.phase === 'holders')
    return { items: userIds, cursor: { phase: 'members', after: null }, total, finished: false };
  return {
    items: userIds,
    cursor: { ...cursor, after: null },
    total: job.done + userIds.length,
    finished: true,
  };
}

async function apply(trx: Db, job: Job, userIds: readonly string[]) {
  const cause = causeOf(systemContext, { type: 'mapping', id: job.subjectId, jobId: job.id });
  const result = await syncGrants(trx, job.orgId, { mappingIds: [job.subjectId] }, { userIds }, cause);
  return { added: result.added, removed: result.removed, roleChanges: result.roleChanges.length };
}

/** A deleted mapping goes once its grants are taken back. */
async function finish(trx: Db, job: Job): Promise<void> {
  const mapping = await store.findGroupMapping(trx, job.orgId, job.subjectId, true);
  if (mapping?.state === 'deleting') await store.deleteGroupMapping(trx, job.orgId, mapping.id);
}

export const reconcileHandler: JobHandler = { next, apply, finish };

/** The background jobs this module runs, by kind. */
export const mappingJobHandlers: Readonly<Record<string, JobHandler>> = { [reconcileKind]: reconcileHandler };
