import type { Db, OrgRole, PreviewInput } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { checkRole, readMapping, resolveSource, resolveTeam, unprocessable } from './resolve.ts';

export interface MappingPreview {
  /** Users the proposal concerns: its group's active members, and those holding what it replaces. */
  readonly considered: number;
  readonly add: { readonly count: number; readonly sample: { id: string; email: string }[] };
  readonly remove: { readonly count: number; readonly sample: { id: string; email: string }[] };
  readonly roleChanges: {
    readonly count: number;
    readonly sample: { id: string; email: string; from: OrgRole; to: OrgRole }[];
  };
}

export interface PreviewRequest {
  /** A new mapping's source; not given when `mapping` names the one to change. */
  readonly source?:
    | {
        readonly directory?: string | undefined;
        readonly connection?: string | undefined;
        readonly group: string;
      }
    | undefined;
  readonly team?: string | null | undefined;
  readonly role?: string | null | undefined;
  /** An existing mapping to preview a change of (team, role) or, with `delete`, its removal. */
  readonly mapping?: string | undefined;
  readonly delete?: boolean | undefined;
}

async function proposal(db: Db, orgId: string, request: PreviewRequest): Promise<PreviewInput> {
  if (request.mapping !== undefined) {
    if (request.source !== undefined)
      throw unprocessable('source', 'A change of an existing mapping keeps its source; leave source out');
    const current = await readMapping(db, orgId, request.mapping);
    const members = current.scim_group_id
      ? { scimGroupId: current.scim_group_id }
      : current.connection_id
        ? { connectionId: current.connection_id, group: current.group_key }
        : null;
    if (request.delete) return { members: null, replaces: current.id, teamId: null, role: null };
    const teamId = request.team === undefined ? current.team_id : await resolveTeam(db, orgId, request.team);
    const role = request.role === undefined ? current.role : checkRole(request.role);
    if (!teamId && !role) throw unprocessable('team', 'A mapping grants a team, a role or both');
    return { members, replaces: current.id, teamId, role };
  }
  if (request.delete) throw unprocessable('mapping', 'Name the mapping whose deletion to preview');
  if (!request.source) throw unprocessable('source', 'A new mapping needs a source');
  const role = checkRole(request.role);
  const teamId = await resolveTeam(db, orgId, request.team);
  if (!teamId && !role) throw unprocessable('team', 'A mapping grants a team, a role or both');
  const source = await resolveSource(db, orgId, request.source);
  const members = source.scim_group_id
    ? { scimGroupId: source.scim_group_id }
    : source.connection_id
      ? { connectionId: source.connection_id, group: request.source.group }
      : null;
  return { members, replaces: null, teamId, role };
}

/** What a proposed mapping (or a change or deletion of one) would do, before anything is saved. */
export async function previewMapping(
  db: Db,
  orgId: string,
  request: PreviewRequest,
): Promise<MappingPreview> {
  const input = await proposal(db, orgId, request);
  const row = await store.previewMappingChange(db, orgId, input);
  return {
    considered: row.considered,
    add: { count: row.adds, sample: row.add_sample ?? [] },
    remove: { count: row.removes, sample: row.remove_sample ?? [] },
    roleChanges: { count: row.role_changes, sample: row.role_sample ?? [] },
  };
}
