import { z } from 'zod';
import { createTeam, deleteTeam, getTeam, listTeams, updateTeam } from '../../domain/orgs/index.ts';
import { operation } from './operation.ts';
import { freeText, id, isoDate, name, pageOf, pageQuery, slug, toPageBody } from './schemas.ts';

const teamSchema = z
  .object({
    id,
    name: z.string(),
    slug: z.string(),
    description: z.string().nullable(),
    createdAt: isoDate,
    updatedAt: isoDate,
  })
  .meta({ id: 'Team' });

const description = freeText(2000);

function teamRef(params: Readonly<Record<string, string>>): string {
  return params.team ?? '';
}

export const teamOperations = [
  operation({
    method: 'post',
    path: '/orgs/{org}/teams',
    summary: 'Create a team',
    tag: 'Teams',
    access: 'org',
    body: z.strictObject({ name, slug: slug.optional(), description: description.nullable().optional() }),
    status: 201,
    response: teamSchema,
    handle: ({ org, body, deps, ctx }) => createTeam(deps.db, ctx, org.id, body),
    location: (team, { org }) => `/orgs/${org.id}/teams/${team.id}`,
  }),
  operation({
    method: 'get',
    path: '/orgs/{org}/teams',
    summary: 'List teams',
    tag: 'Teams',
    access: 'org',
    query: pageQuery,
    status: 200,
    response: pageOf(teamSchema),
    handle: async ({ org, query, deps }) =>
      toPageBody(await listTeams(deps.db, org.id, { after: query.cursor, limit: query.limit })),
  }),
  operation({
    method: 'get',
    path: '/orgs/{org}/teams/{team}',
    summary: 'Get a team by id or slug',
    tag: 'Teams',
    access: 'org',
    status: 200,
    response: teamSchema,
    handle: ({ org, params, deps }) => getTeam(deps.db, org.id, teamRef(params)),
  }),
  operation({
    method: 'patch',
    path: '/orgs/{org}/teams/{team}',
    summary: 'Change a team',
    tag: 'Teams',
    access: 'org',
    body: z.strictObject({
      name: name.optional(),
      slug: slug.optional(),
      description: description.nullable().optional(),
    }),
    status: 200,
    response: teamSchema,
    handle: async ({ org, params, body, deps, ctx }) =>
      updateTeam(deps.db, ctx, await getTeam(deps.db, org.id, teamRef(params)), body),
  }),
  operation({
    method: 'delete',
    path: '/orgs/{org}/teams/{team}',
    summary: 'Delete a team and its memberships',
    tag: 'Teams',
    access: 'org',
    status: 204,
    handle: async ({ org, params, deps, ctx }) => {
      await deleteTeam(deps.db, ctx, await getTeam(deps.db, org.id, teamRef(params)));
      return undefined;
    },
  }),
];
