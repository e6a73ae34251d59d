import type { Db } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { causeOf, systemContext } from '../audit/index.ts';
import type { BatchResult, Job } from '../jobs/index.ts';
import { syncGrants } from './engine.ts';

/** The job that brings every user in line with a mapping after it is created, changed or deleted. */
export const reconcileKind = 'mapping.reconcile';

/**
 * First the users holding the mapping's grants (so a changed team or role
 * moves, and a deleted mapping's grants go), then the members of its group
 * (so those holding nothing yet get it). Counts of what changed ride along.
 */
interface Cursor {
  readonly phase: 'holders' | 'members';
  readonly after: string | null;
  readonly added: number;
  readonly removed: number;
  readonly roleChanges: number;
}

function readCursor(value: unknown): Cursor {
  const c = (typeof value === 'object' && value !== null ? value : {}) as Partial<Cursor>;
  return {
    phase: c.phase === 'members' ? 'members' : 'holders',
    after: typeof c.after === 'string' ? c.after : null,
    added: Number(c.added ?? 0),
    removed: Number(c.removed ?? 0),
    roleChanges: Number(c.roleChanges ?? 0),
  };
}

/** What a finished reconciliation changed, from its job's cursor. */
export function reconcileOutcome(job: Pick<Job, 'cursor'>): {
  added: number;
  removed: number;
  roleChanges: number;
} {
  const { added, removed, roleChanges } = readCursor(job.cursor);
  return { added, removed, roleChanges };
}

async function nextUsers(
  trx: Db,
  orgId: string,
  mapping: store.GroupMappingView,
  cursor: Cursor,
  limit: number,
): Promise<{ userIds: string[]; last: string | undefined }> {
  const page = { after: cursor.after ?? undefined, limit };
  if (cursor.phase === 'holders') {
    const userIds = await store.holdersOfMapping(trx, orgId, mapping.id, page);
    return { userIds, last: userIds.at(-1) };
  }
  if (mapping.state !== 'active') return { userIds: [], last: undefined };
  if (mapping.scim_group_id) {
    const members = await store.membersOfScimGroup(trx, orgId, mapping.scim_group_id, page);
    return { userIds: members.map((m) => m.userId), last: members.at(-1)?.memberId };
  }
  if (mapping.connection_id) {
    const userIds = await store.usersClaimingGroup(
      trx,
      orgId,
      mapping.connection_id,
      mapping.group_key,
      page,
    );
    return { userIds, last: userIds.at(-1) };
  }
  return { userIds: [], last: undefined };
}

export async function reconcileBatch(trx: Db, job: Job, batch: { size: number }): Promise<BatchResult> {
  const cursor = readCursor(job.cursor);
  const mapping = await store.findGroupMapping(trx, job.orgId, job.subjectId);
  // Gone with its team or its source: its grants went with it.
  if (!mapping) return { cursor, done: 0, total: job.done, finished: true };
  const total = job.total ?? (await store.reconcileWorkSize(trx, job.orgId, mapping));
  const { userIds, last } = await nextUsers(trx, job.orgId, mapping, cursor, batch.size);
  const cause = causeOf(systemContext, { type: 'mapping', id: mapping.id, jobId: job.id });
  const result = await syncGrants(trx, job.orgId, { mappingIds: [mapping.id] }, { userIds }, cause);
  const counts = {
    added: cursor.added + result.added,
    removed: cursor.removed + result.removed,
    roleChanges: cursor.roleChanges + result.roleChanges.length,
  };
  const done = userIds.length;
  if (userIds.length === batch.size && last)
    return { cursor: { ...cursor, ...counts, after: last }, done, total, finished: false };
  if (cursor.phase === 'holders')
    return { cursor: { ...counts, phase: 'members', after: null }, done, total, finished: false };
  if (mapping.state === 'deleting') await store.deleteGroupMapping(trx, job.orgId, mapping.id);
  return {
    cursor: { ...cursor, ...counts, after: null },
    done,
    total: job.done + done,
    finished: true,
  };
}

/** The background jobs this module runs, by kind. */
export const mappingJobHandlers = { [reconcileKind]: reconcileBatch } as const;
