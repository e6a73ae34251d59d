import { sql } from 'kysely';
import { lastUseResolutionMs } from '../../infra/tokens/index.ts';
import type { Db } from '../database.ts';
import type { DirectoryProvider, DirectoryRow, DirectoryTokenRow } from '../schema.ts';
import type { DirectoryCounts } from './directory-counts.ts';
import { type PageOf, type PageRequest, toPage } from './page.ts';

export interface DirectoryFields {
  readonly name: string;
  readonly provider: DirectoryProvider;
  readonly user_deletion: 'suspend' | 'delete';
}

export function insertDirectory(
  db: Db,
  orgId: string,
  id: string,
  fields: DirectoryFields,
): Promise<DirectoryRow> {
  return db
    .insertInto('directories')
    .values({ org_id: orgId, id, ...fields })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export type DirectoryWithCounts = DirectoryRow & DirectoryCounts;

/** The sum of a directory's counter shards, for reads that show its size. */
function counted(counter: keyof DirectoryCounts) {
  return sql<number>`(select coalesce(sum(c.${sql.ref(counter)}), 0)::integer from directory_counters c where c.directory_id = directories.id)`.as(
    counter,
  );
}

export function findDirectory(
  db: Db,
  orgId: string,
  directoryId: string,
): Promise<DirectoryWithCounts | undefined> {
  return db
    .selectFrom('directories')
    .selectAll()
    .select([counted('user_count'), counted('group_count')])
    .where('org_id', '=', orgId)
    .where('id', '=', directoryId)
    .executeTakeFirst();
}

export async function listDirectories(
  db: Db,
  orgId: string,
  page: PageRequest,
): Promise<PageOf<DirectoryWithCounts>> {
  let query = db
    .selectFrom('directories')
    .selectAll()
    .select([counted('user_count'), counted('group_count')])
    .where('org_id', '=', orgId)
    .orderBy('id')
    .limit(page.limit + 1);
  if (page.after) query = query.where('id', '>', page.after);
  return toPage(await query.execute(), page.limit);
}

export function updateDirectory(
  db: Db,
  orgId: string,
  directoryId: string,
  patch: Partial<Pick<DirectoryFields, 'name' | 'user_deletion'>>,
): Promise<DirectoryRow | undefined> {
  return db
    .updateTable('directories')
    .set({ ...patch, updated_at: new Date() })
    .where('org_id', '=', orgId)
    .where('id', '=', directoryId)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteDirectory(db: Db, orgId: string, directoryId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('directories')
    .where('org_id', '=', orgId)
    .where('id', '=', directoryId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export function insertDirectoryToken(
  db: Db,
  orgId: string,
  directoryId: string,
  row: { id: string; secret_hash: string },
): Promise<DirectoryTokenRow> {
  return db
    .insertInto('directory_tokens')
    .values({ org_id: orgId, directory_id: directoryId, ...row })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Live tokens of a directory, locking the directory row so two rotations cannot both pass the limit. */
export async function lockLiveDirectoryTokens(db: Db, orgId: string, directoryId: string): Promise<number> {
  await db
    .selectFrom('directories')
    .select('id')
    .where('org_id', '=', orgId)
    .where('id', '=', directoryId)
    .forUpdate()
    .execute();
  const row = await db
    .selectFrom('directory_tokens')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .where('directory_id', '=', directoryId)
    .where('revoked_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export function listDirectoryTokens(
  db: Db,
  orgId: string,
  directoryId: string,
): Promise<DirectoryTokenRow[]> {
  return db
    .selectFrom('directory_tokens')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('directory_id', '=', directoryId)
    .orderBy('id')
    .execute();
}

export function revokeDirectoryToken(
  db: Db,
  orgId: string,
  directoryId: string,
  tokenId: string,
  at: Date,
): Promise<DirectoryTokenRow | undefined> {
  return db
    .updateTable('directory_tokens')
    .set({ revoked_at: at })
    .where('org_id', '=', orgId)
    .where('directory_id', '=', directoryId)
    .where('id', '=', tokenId)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/** Like API keys: a presented token names its own id; the row says which org and directory. */
export function findDirectoryTokenForAuthentication(db: Db, tokenId: string) {
  return db
    .selectFrom('directory_tokens')
    .innerJoin('directories', (join) =>
      join
        .onRef('directories.org_id', '=', 'directory_tokens.org_id')
        .onRef('directories.id', '=', 'directory_tokens.directory_id'),
    )
    .selectAll('directories')
    .select([
      'directory_tokens.id as token_id',
      'directory_tokens.secret_hash',
      'directory_tokens.revoked_at',
      'directory_tokens.last_used_at',
    ])
    .where('directory_tokens.id', '=', tokenId)
    .executeTakeFirst();
}

export async function touchDirectoryToken(db: Db, orgId: string, tokenId: string, at: Date): Promise<void> {
  await db
    .updateTable('directory_tokens')
    .set({ last_used_at: at })
    .where('org_id', '=', orgId)
    .where('id', '=', tokenId)
    .where((eb) =>
      eb.or([
        eb('last_used_at', 'is', null),
        eb('last_used_at', '<', new Date(at.getTime() - lastUseResolutionMs)),
      ]),
    )
    .execute();
}
