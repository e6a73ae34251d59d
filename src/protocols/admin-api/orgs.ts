import { z } from 'zod';
import { createOrg, listOrgs, updateOrg } from '../../domain/orgs/index.ts';
import { operation } from './operation.ts';
import { id, isoDate, name, pageOf, pageQuery, slug, toPageBody } from './schemas.ts';

export const orgSchema = z
  .object({ id, name: z.string(), slug: z.string(), createdAt: isoDate, updatedAt: isoDate })
  .meta({ id: 'Org' });

export const orgOperations = [
  operation({
    method: 'post',
    path: '/orgs',
    summary: 'Create an organization',
    tag: 'Orgs',
    access: 'super_admin',
    body: z.strictObject({ name, slug: slug.optional() }),
    status: 201,
    response: orgSchema,
    handle: ({ body, deps, ctx }) => createOrg(deps.db, ctx, body),
    location: (org) => `/orgs/${org.id}`,
  }),
  operation({
    method: 'get',
    path: '/orgs',
    summary: 'List organizations',
    tag: 'Orgs',
    access: 'super_admin',
    query: pageQuery,
    status: 200,
    response: pageOf(orgSchema),
    handle: async ({ query, deps }) =>
      toPageBody(await listOrgs(deps.db, { after: query.cursor, limit: query.limit })),
  }),
  operation({
    method: 'get',
    path: '/orgs/{org}',
    summary: 'Get an organization by id or slug',
    tag: 'Orgs',
    access: 'org',
    status: 200,
    response: orgSchema,
    handle: async ({ org }) => org,
  }),
  operation({
    method: 'patch',
    path: '/orgs/{org}',
    summary: 'Rename an organization or change its slug',
    tag: 'Orgs',
    access: 'org',
    body: z.strictObject({ name: name.optional(), slug: slug.optional() }),
    status: 200,
    response: orgSchema,
    handle: ({ org, body, deps, ctx }) => updateOrg(deps.db, ctx, org, body),
  }),
];
