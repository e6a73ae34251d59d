import { z } from 'zod';
import { getDirectory, listDirectoryGroups } from '../../domain/sources/index.ts';
import type { AnyOperation } from './operation.ts';
import { operation } from './operation.ts';
import { id, isoDate, pageOf, pageQuery, singleLine } from './schemas.ts';

/**
 * This list is in name order, so its cursor is where the last name sorts,
 * not the last id; as opaque to clients as every other cursor.
 */
const nameCursor = z
  .string()
  .max(3000)
  .transform((value, ctx) => {
    const decoded = Buffer.from(value, 'base64url').toString('utf8');
    if (decoded === '' || decoded.includes('\0') || Buffer.from(decoded).toString('base64url') !== value) {
      ctx.addIssue({ code: 'custom', message: 'is not a cursor this API gave out' });
      return z.NEVER;
    }
    return decoded;
  })
  .meta({ description: 'The `nextCursor` of the previous page' });

const groupSchema = z
  .object({
    id: id.meta({ description: 'The SCIM id; a mapping may name the group by it' }),
    displayName: z.string(),
    externalId: z.string().nullable(),
    memberCount: z.number().int().meta({ description: 'Members the IdP pushed into the group' }),
    createdAt: isoDate,
    updatedAt: isoDate,
  })
  .meta({ id: 'DirectoryGroup' });

export const directoryGroupOperations: AnyOperation[] = [
  operation({
    method: 'get',
    path: '/orgs/{org}/directories/{dir}/groups',
    summary:
      'The groups the IdP pushed into a directory over SCIM, in name order; `q` finds those whose name starts with it (any case)',
    tag: 'Directories',
    access: 'org',
    query: pageQuery.extend({
      q: singleLine(400).optional().meta({
        description: 'The start of the display name, case-insensitive (a prefix, not any part of it)',
      }),
      cursor: nameCursor.optional(),
    }),
    status: 200,
    response: pageOf(groupSchema),
    handle: async ({ org, params, query, deps }) => {
      const directory = await getDirectory(deps.db, org.id, params.dir ?? '');
      const page = await listDirectoryGroups(deps.db, directory, {
        q: query.q || undefined,
        after: query.cursor,
        limit: query.limit,
      });
      const last = page.items.at(-1);
      return {
        data: page.items.map(({ position: _, ...group }) => group),
        nextCursor: page.more && last ? Buffer.from(last.position).toString('base64url') : null,
      };
    },
  }),
];
