import { z } from 'zod';
import { createApiKey, listApiKeys, revokeApiKey } from '../../domain/orgs/index.ts';
import { MusterError } from '../../errors.ts';
import { isUuid } from '../../infra/ids/index.ts';
import { operation } from './operation.ts';
import { id, isoDate, name, pageOf, pageQuery, toPageBody } from './schemas.ts';

const apiKeySchema = z
  .object({
    id,
    name: z.string(),
    prefix: z.string().meta({ description: 'The start of the key, to recognise it' }),
    createdBy: z.string(),
    createdAt: isoDate,
    lastUsedAt: isoDate.nullable(),
    revokedAt: isoDate.nullable(),
  })
  .meta({ id: 'ApiKey' });

const createdApiKeySchema = apiKeySchema
  .extend({ key: z.string().meta({ description: 'The key itself: shown this once, stored only as a hash' }) })
  .meta({ id: 'CreatedApiKey' });

export const apiKeyOperations = [
  operation({
    method: 'post',
    path: '/orgs/{org}/api-keys',
    summary: 'Create an org-scoped admin API key (shown once)',
    tag: 'API keys',
    access: 'org',
    body: z.strictObject({ name: name.default('API key') }),
    status: 201,
    response: createdApiKeySchema,
    handle: async ({ org, body, deps, ctx }) => {
      const { apiKey, key } = await createApiKey(deps.db, ctx, org.id, body);
      return { ...apiKey, key };
    },
  }),
  operation({
    method: 'get',
    path: '/orgs/{org}/api-keys',
    summary: 'List API keys (never the keys themselves)',
    tag: 'API keys',
    access: 'org',
    query: pageQuery,
    status: 200,
    response: pageOf(apiKeySchema),
    handle: async ({ org, query, deps }) =>
      toPageBody(await listApiKeys(deps.db, org.id, { after: query.cursor, limit: query.limit })),
  }),
  operation({
    method: 'delete',
    path: '/orgs/{org}/api-keys/{key}',
    summary: 'Revoke an API key',
    tag: 'API keys',
    access: 'org',
    status: 204,
    handle: async ({ org, params, deps, ctx }) => {
      const keyId = params.key ?? '';
      if (!isUuid(keyId)) throw new MusterError('not_found', 'API key not found');
      await revokeApiKey(deps.db, ctx, org.id, keyId.toLowerCase());
      return undefined;
    },
  }),
];
