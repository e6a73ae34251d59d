import { z } from 'zod';
import { checkAppUrl, createOrg, listOrgs, maxAppUrls, updateOrg } from '../../domain/orgs/index.ts';
import { operation } from './operation.ts';
import { id, isoDate, name, pageOf, pageQuery, slug, toPageBody } from './schemas.ts';

const appUrl = z
  .string()
  .superRefine((value, ctx) => {
    const check = checkAppUrl(value);
    if ('problem' in check) ctx.addIssue({ code: 'custom', message: check.problem });
  })
  .meta({ example: 'https://app.example.com', format: 'uri' });

const appUrls = z
  .array(appUrl)
  .max(maxAppUrls, `at most ${maxAppUrls}`)
  .meta({
    description:
      "Where the org's application lives: https origins, each with an optional path prefix (http only for " +
      'localhost and 127.0.0.1). After sign-in and logout, `returnTo` may point there; the first is the ' +
      'default page. Replaces the list.',
  });

export const orgSchema = z
  .object({
    id,
    name: z.string(),
    slug: z.string(),
    appUrls: z.array(z.string()),
    createdAt: isoDate,
    updatedAt: isoDate,
  })
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
    summary: 'Rename an organization, change its slug or set its app URLs',
    tag: 'Orgs',
    access: 'org',
    body: z.strictObject({ name: name.optional(), slug: slug.optional(), appUrls: appUrls.optional() }),
    status: 200,
    response: orgSchema,
    handle: ({ org, body, deps, ctx }) => updateOrg(deps.db, ctx, org, body),
  }),
];
