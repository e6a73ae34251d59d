import { notFound } from '../../errors.ts';
import { newId } from '../../infra/ids/index.ts';
import type { Db, PageOf, PageRequest, TeamFields, TeamRow } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { adminCause, type ChangeContext, recordAudit } from '../audit/index.ts';
import { slugFor } from './orgs.ts';
import { parseRef } from './slug.ts';

export interface Team {
  readonly id: string;
  readonly orgId: string;
  readonly name: string;
  readonly slug: string;
  readonly description: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface TeamInput {
  readonly name: string;
  readonly slug?: string | undefined;
  readonly description?: string | null | undefined;
}

function toTeam(row: TeamRow): Team {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    slug: row.slug,
    description: row.description,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function createTeam(db: Db, ctx: ChangeContext, orgId: string, input: TeamInput): Promise<Team> {
  const fields: TeamFields = {
    name: input.name,
    slug: slugFor(input.name, input.slug),
    description: input.description ?? null,
  };
  return db.transaction().execute(async (trx) => {
    const team = toTeam(await store.insertTeam(trx, orgId, newId(), fields));
    await recordAudit(trx, ctx, orgId, {
      action: 'team.created',
      target: { type: 'team', id: team.id },
      after: team,
    });
    return team;
  });
}

export async function getTeam(db: Db, orgId: string, ref: string): Promise<Team> {
  const parsed = parseRef(ref);
  const row = parsed && (await store.findTeam(db, orgId, parsed));
  if (!row) throw notFound('Team');
  return toTeam(row);
}

export async function listTeams(db: Db, orgId: string, page: PageRequest): Promise<PageOf<Team>> {
  const result = await store.listTeams(db, orgId, page);
  return { more: result.more, items: result.items.map(toTeam) };
}

export async function updateTeam(
  db: Db,
  ctx: ChangeContext,
  team: Team,
  patch: Partial<TeamInput>,
): Promise<Team> {
  const changes: { -readonly [K in keyof TeamFields]?: TeamFields[K] } = {};
  if (patch.name !== undefined) changes.name = patch.name;
  if (patch.slug !== undefined) changes.slug = slugFor(patch.name ?? team.name, patch.slug);
  if (patch.description !== undefined) changes.description = patch.description;
  if (Object.keys(changes).length === 0) return team;
  return db.transaction().execute(async (trx) => {
    const row = await store.updateTeam(trx, team.orgId, team.id, changes);
    if (!row) throw notFound('Team');
    const after = toTeam(row);
    await recordAudit(trx, ctx, team.orgId, {
      action: 'team.updated',
      target: { type: 'team', id: team.id },
      before: team,
      after,
    });
    return after;
  });
}

/**
 * Deletes a team with its memberships and the mappings onto it; a role one
 * of those mappings granted goes too, and the holders' roles are recomputed.
 */
export async function deleteTeam(db: Db, ctx: ChangeContext, team: Team): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const roleHolders = await store.roleHoldersOfTeamMappings(trx, team.orgId, team.id);
    if (!(await store.deleteTeam(trx, team.orgId, team.id))) throw notFound('Team');
    await store.recomputeRoles(
      trx,
      team.orgId,
      roleHolders.map((userId) => ({ userId, eventId: newId() })),
      adminCause(ctx),
    );
    await recordAudit(trx, ctx, team.orgId, {
      action: 'team.deleted',
      target: { type: 'team', id: team.id },
      before: team,
    });
  });
}
