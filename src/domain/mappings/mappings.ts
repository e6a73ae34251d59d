import { MusterError } from '../../errors.ts';
import { newId } from '../../infra/ids/index.ts';
import type {
  Db,
  GroupMappingView,
  JobState,
  MappedRole,
  MappingStatus,
  PageOf,
  PageRequest,
} from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { type ChangeContext, recordAudit } from '../audit/index.ts';
import { enqueueJob, notifyJobsQueued } from '../jobs/index.ts';
import { reconcileKind, reconcileOutcome } from './reconcile.ts';
import { checkRole, readMapping, resolveSource, resolveTeam, unprocessable } from './resolve.ts';

export type MappingSource = { readonly directory: string } | { readonly connection: string };

export type { MappingStatus };

export interface GroupMapping {
  readonly id: string;
  readonly orgId: string;
  readonly source: MappingSource;
  readonly group: {
    /** What the admin named the group by (a claim value, for connections). */
    readonly key: string;
    /** The SCIM group matched, by its stable id. */
    readonly id: string | null;
    /** Its name now, or when it was last seen. */
    readonly name: string | null;
    /** Its name when the mapping was matched or last confirmed. */
    readonly confirmedName: string | null;
  };
  readonly team: { readonly id: string; readonly slug: string; readonly name: string } | null;
  readonly role: MappedRole | null;
  /**
   * active: in force. pending: waits for the IdP to push the group. stale: the
   * group was renamed (still in force) or deleted (waits for it again).
   * deleting: its grants are being taken back.
   */
  readonly status: MappingStatus;
  readonly staleReason: 'group_renamed' | 'group_deleted' | null;
  readonly reconciliation: {
    readonly jobId: string;
    readonly state: JobState;
    readonly done: number;
    readonly total: number | null;
    readonly error: string | null;
    readonly startedAt: Date;
    readonly finishedAt: Date | null;
    /** What it changed so far: grants added and taken back, effective roles changed. */
    readonly added: number;
    readonly removed: number;
    readonly roleChanges: number;
  } | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface MappingInput {
  readonly source: {
    readonly directory?: string | undefined;
    readonly connection?: string | undefined;
    readonly group: string;
  };
  /** A team id or slug. */
  readonly team?: string | null | undefined;
  readonly role?: string | null | undefined;
}

function statusOf(row: GroupMappingView): MappingStatus {
  if (row.state === 'deleting') return 'deleting';
  if (row.stale_reason) return 'stale';
  if (row.directory_id && !row.scim_group_id) return 'pending';
  return 'active';
}

export function toMapping(row: GroupMappingView): GroupMapping {
  return {
    id: row.id,
    orgId: row.org_id,
    source: row.directory_id ? { directory: row.directory_id } : { connection: row.connection_id ?? '' },
    group: {
      key: row.group_key,
      id: row.scim_group_id,
      name: row.current_group_name ?? row.group_name,
      confirmedName: row.group_name,
    },
    team:
      row.team_id && row.team_slug && row.team_name
        ? { id: row.team_id, slug: row.team_slug, name: row.team_name }
        : null,
    role: row.role,
    status: statusOf(row),
    staleReason: row.stale_reason,
    reconciliation:
      row.job_id && row.job_state && row.job_created_at
        ? {
            jobId: row.job_id,
            state: row.job_state,
            done: row.job_done ?? 0,
            total: row.job_total,
            error: row.job_error,
            startedAt: row.job_created_at,
            finishedAt: row.job_finished_at,
            ...reconcileOutcome(row.job_result),
          }
        : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function createMapping(
  db: Db,
  ctx: ChangeContext,
  orgId: string,
  input: MappingInput,
): Promise<GroupMapping> {
  const role = checkRole(input.role);
  const teamId = await resolveTeam(db, orgId, input.team);
  if (!teamId && !role) throw unprocessable('team', 'A mapping grants a team, a role or both');
  const source = await resolveSource(db, orgId, input.source);
  const id = newId();
  const mapping = await db.transaction().execute(async (trx) => {
    await store.insertGroupMapping(trx, orgId, {
      id,
      ...source,
      group_key: input.source.group,
      team_id: teamId,
      role,
    });
    await enqueueJob(trx, { orgId, kind: reconcileKind, subjectId: id });
    const created = toMapping(await readMapping(trx, orgId, id));
    await recordAudit(trx, ctx, orgId, {
      action: 'group_mapping.created',
      target: { type: 'group_mapping', id },
      after: created,
    });
    return created;
  });
  notifyJobsQueued();
  return mapping;
}

export async function getMapping(db: Db, orgId: string, id: string): Promise<GroupMapping> {
  return toMapping(await readMapping(db, orgId, id));
}

export async function listMappings(
  db: Db,
  orgId: string,
  page: PageRequest,
  filter: {
    directoryId?: string | undefined;
    connectionId?: string | undefined;
    status?: MappingStatus | undefined;
  },
): Promise<PageOf<GroupMapping>> {
  const result = await store.listGroupMappings(db, orgId, page, filter);
  return { more: result.more, items: result.items.map(toMapping) };
}

/**
 * Changes what a mapping grants. Any change also confirms the group's
 * current name, which clears a rename flag; an empty change does only that.
 */
export async function updateMapping(
  db: Db,
  ctx: ChangeContext,
  orgId: string,
  id: string,
  patch: { team?: string | null | undefined; role?: string | null | undefined },
): Promise<GroupMapping> {
  const role = patch.role === undefined ? undefined : checkRole(patch.role);
  const teamId = patch.team === undefined ? undefined : await resolveTeam(db, orgId, patch.team);
  const mapping = await db.transaction().execute(async (trx) => {
    const before = await readMapping(trx, orgId, id, true);
    if (before.state === 'deleting') throw new MusterError('conflict', 'This mapping is being deleted');
    const nextTeam = teamId === undefined ? before.team_id : teamId;
    const nextRole = role === undefined ? before.role : role;
    if (!nextTeam && !nextRole) throw unprocessable('team', 'A mapping grants a team, a role or both');
    await store.updateGroupMapping(trx, orgId, before.id, {
      team_id: nextTeam,
      role: nextRole,
      ...(before.scim_group_id ? { group_name: before.current_group_name, stale_reason: null } : {}),
    });
    const grantsChanged = nextTeam !== before.team_id || nextRole !== before.role;
    if (grantsChanged) await enqueueJob(trx, { orgId, kind: reconcileKind, subjectId: before.id });
    const after = toMapping(await readMapping(trx, orgId, before.id));
    await recordAudit(trx, ctx, orgId, {
      action: 'group_mapping.updated',
      target: { type: 'group_mapping', id: before.id },
      before: toMapping(before),
      after,
    });
    return after;
  });
  notifyJobsQueued();
  return mapping;
}

/** Stops a mapping granting anything; a reconciliation takes back what it granted, then removes it. */
export async function deleteMapping(
  db: Db,
  ctx: ChangeContext,
  orgId: string,
  id: string,
): Promise<GroupMapping> {
  const mapping = await db.transaction().execute(async (trx) => {
    const before = await readMapping(trx, orgId, id, true);
    if (before.state !== 'deleting') {
      await store.updateGroupMapping(trx, orgId, before.id, { state: 'deleting' });
      await enqueueJob(trx, { orgId, kind: reconcileKind, subjectId: before.id });
      await recordAudit(trx, ctx, orgId, {
        action: 'group_mapping.deleted',
        target: { type: 'group_mapping', id: before.id },
        before: toMapping(before),
      });
    }
    return toMapping(await readMapping(trx, orgId, before.id));
  });
  notifyJobsQueued();
  return mapping;
}
