import { z } from 'zod';
import {
  createDirectory,
  createDirectoryToken,
  type Directory,
  type DirectoryView,
  deleteDirectory,
  directoryProviders,
  getDirectory,
  lastScimRequests,
  listDirectories,
  listDirectoryTokens,
  listScimRequestLog,
  revokeDirectoryToken,
  updateDirectory,
} from '../../domain/sources/index.ts';
import { type AdminApiDeps, operation } from './operation.ts';
import { id, isoDate, name, pageOf, pageQuery, toPageBody } from './schemas.ts';

const provider = z.enum(directoryProviders as [string, ...string[]]).meta({
  description: 'The IdP that pushes into it; switches the handling of its SCIM dialect',
});
const userDeletion = z.enum(['suspend', 'delete']).meta({
  description: 'What DELETE /Users/{id} does to the org user: suspend it (default) or delete it',
});

const directorySchema = z
  .object({
    id,
    name: z.string(),
    provider: z.string(),
    userDeletion: z.string(),
    scimBaseUrl: z.string().meta({ description: 'Where the IdP sends SCIM requests' }),
    userCount: z.number().int(),
    groupCount: z.number().int(),
    lastRequestAt: isoDate.nullable().meta({
      description:
        'When the IdP last sent a SCIM request (any outcome; see the request log); null if it has not yet',
    }),
    createdAt: isoDate,
    updatedAt: isoDate,
  })
  .meta({ id: 'Directory' });

const tokenSchema = z
  .object({
    id,
    prefix: z.string(),
    createdAt: isoDate,
    lastUsedAt: isoDate.nullable(),
    revokedAt: isoDate.nullable(),
  })
  .meta({ id: 'DirectoryToken' });

const secret = z
  .string()
  .meta({ description: 'The bearer token for the IdP: shown this once, stored only as a hash' });

function withUrl(directory: DirectoryView, publicUrl: string, lastRequestAt: Date | null) {
  return { ...directory, scimBaseUrl: `${publicUrl}/scim/v2/${directory.id}`, lastRequestAt };
}

/** One directory's body, with its IdP's last request. */
async function withActivity(deps: AdminApiDeps, directory: DirectoryView) {
  const last = await lastScimRequests(deps.db, deps.scimRequestLog, directory.orgId, [directory.id]);
  return withUrl(directory, deps.publicUrl, last.get(directory.id) ?? null);
}

function dirRef(params: Readonly<Record<string, string>>): string {
  return params.dir ?? '';
}

export const directoryOperations = [
  operation({
    method: 'post',
    path: '/orgs/{org}/directories',
    summary: 'Create a SCIM directory; its first token is in the answer, once',
    tag: 'Directories',
    access: 'org',
    body: z.strictObject({ name, provider, userDeletion: userDeletion.optional() }),
    status: 201,
    response: directorySchema.extend({ token: secret, tokenId: id }).meta({ id: 'CreatedDirectory' }),
    handle: async ({ org, body, deps, ctx }) => {
      const { directory, token } = await createDirectory(deps.db, ctx, org.id, {
        ...body,
        provider: body.provider as Directory['provider'],
      });
      return { ...withUrl(directory, deps.publicUrl, null), token: token.token, tokenId: token.id };
    },
    location: (directory, { org }) => `/orgs/${org.id}/directories/${directory.id}`,
  }),
  operation({
    method: 'get',
    path: '/orgs/{org}/directories',
    summary: 'List SCIM directories',
    tag: 'Directories',
    access: 'org',
    query: pageQuery,
    status: 200,
    response: pageOf(directorySchema),
    handle: async ({ org, query, deps }) => {
      const page = await listDirectories(deps.db, org.id, { after: query.cursor, limit: query.limit });
      const last = await lastScimRequests(
        deps.db,
        deps.scimRequestLog,
        org.id,
        page.items.map((d) => d.id),
      );
      return toPageBody({
        more: page.more,
        items: page.items.map((d) => withUrl(d, deps.publicUrl, last.get(d.id) ?? null)),
      });
    },
  }),
  operation({
    method: 'get',
    path: '/orgs/{org}/directories/{dir}',
    summary: 'Get a SCIM directory',
    tag: 'Directories',
    access: 'org',
    status: 200,
    response: directorySchema,
    handle: async ({ org, params, deps }) =>
      withActivity(deps, await getDirectory(deps.db, org.id, dirRef(params))),
  }),
  operation({
    method: 'patch',
    path: '/orgs/{org}/directories/{dir}',
    summary: 'Rename a directory or change what deleting a user does',
    tag: 'Directories',
    access: 'org',
    body: z.strictObject({ name: name.optional(), userDeletion: userDeletion.optional() }),
    status: 200,
    response: directorySchema,
    handle: async ({ org, params, body, deps, ctx }) => {
      const directory = await getDirectory(deps.db, org.id, dirRef(params));
      return withActivity(deps, await updateDirectory(deps.db, ctx, directory, body));
    },
  }),
  operation({
    method: 'delete',
    path: '/orgs/{org}/directories/{dir}',
    summary: 'Delete a directory with its SCIM users, groups and tokens',
    tag: 'Directories',
    access: 'org',
    status: 204,
    handle: async ({ org, params, deps, ctx }) => {
      await deleteDirectory(deps.db, ctx, await getDirectory(deps.db, org.id, dirRef(params)));
      return undefined;
    },
  }),
  operation({
    method: 'post',
    path: '/orgs/{org}/directories/{dir}/tokens',
    summary: 'Add a token for rotation (at most two live); shown once',
    tag: 'Directories',
    access: 'org',
    status: 201,
    response: tokenSchema.extend({ token: secret }).meta({ id: 'CreatedDirectoryToken' }),
    handle: async ({ org, params, deps, ctx }) => {
      const directory = await getDirectory(deps.db, org.id, dirRef(params));
      const { token, secret: value } = await createDirectoryToken(deps.db, ctx, directory);
      return { ...token, token: value };
    },
  }),
  operation({
    method: 'get',
    path: '/orgs/{org}/directories/{dir}/tokens',
    summary: "List a directory's tokens (never the tokens themselves)",
    tag: 'Directories',
    access: 'org',
    status: 200,
    response: z.object({ data: z.array(tokenSchema) }),
    handle: async ({ org, params, deps }) => ({
      data: await listDirectoryTokens(deps.db, await getDirectory(deps.db, org.id, dirRef(params))),
    }),
  }),
  operation({
    method: 'delete',
    path: '/orgs/{org}/directories/{dir}/tokens/{token}',
    summary:
      'Revoke a token; requests with it get 401 at once (within a second on other WORKERS or replicas)',
    tag: 'Directories',
    access: 'org',
    status: 204,
    handle: async ({ org, params, deps, ctx }) => {
      const directory = await getDirectory(deps.db, org.id, dirRef(params));
      await revokeDirectoryToken(deps.db, ctx, directory, params.token ?? '');
      return undefined;
    },
  }),
  operation({
    method: 'get',
    path: '/orgs/{org}/directories/{dir}/requests',
    summary:
      "The directory's SCIM request log, newest first: what each IdP call did or why it failed (written in batches, at most 100 ms behind)",
    tag: 'Directories',
    access: 'org',
    query: pageQuery,
    status: 200,
    response: pageOf(
      z
        .object({
          id,
          method: z.string(),
          path: z.string(),
          status: z.number().int(),
          scimType: z.string().nullable(),
          durationMs: z.number().int(),
          requestId: z.string().nullable(),
          summary: z.unknown(),
          createdAt: isoDate,
        })
        .meta({ id: 'ScimRequest' }),
    ),
    handle: async ({ org, params, query, deps }) => {
      const directory = await getDirectory(deps.db, org.id, dirRef(params));
      return toPageBody(
        await listScimRequestLog(deps.db, deps.scimRequestLog, directory, {
          after: query.cursor,
          limit: query.limit,
        }),
      );
    },
  }),
];
