import { sql } from 'kysely';
import type { Db } from '../database.ts';

type DirectoryCounter = 'user_count' | 'group_count';

const counterShards = 16;

/** The shard a row counts in: spread by the row's own id, so concurrent writers rarely share one. */
export function shardOf(rowId: string): number {
  return Number.parseInt(rowId.slice(-2), 16) % counterShards;
}

/**
 * Keeps totalResults free of full counts: adjusted in the same transaction as
 * the rows, as its last statement, so the shard's row lock is held for one
 * round trip.
 */
export async function adjustDirectoryCount(
  db: Db,
  key: { orgId: string; directoryId: string; rowId: string },
  counter: DirectoryCounter,
  delta: number,
): Promise<void> {
  await db
    .insertInto('directory_counters')
    .values({
      org_id: key.orgId,
      directory_id: key.directoryId,
      shard: shardOf(key.rowId),
      [counter]: delta,
    })
    .onConflict((oc) =>
      oc
        .columns(['directory_id', 'shard'])
        .doUpdateSet({ [counter]: sql`${sql.ref(`directory_counters.${counter}`)} + ${delta}` }),
    )
    .execute();
}

export interface DirectoryCounts {
  readonly user_count: number;
  readonly group_count: number;
}

export async function readDirectoryCounts(
  db: Db,
  orgId: string,
  directoryId: string,
): Promise<DirectoryCounts> {
  const row = await db
    .selectFrom('directory_counters')
    .select((eb) => [
      eb.fn.coalesce(eb.fn.sum<number>('user_count'), sql<number>`0`).as('user_count'),
      eb.fn.coalesce(eb.fn.sum<number>('group_count'), sql<number>`0`).as('group_count'),
    ])
    .where('directory_id', '=', directoryId)
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  return { user_count: Number(row.user_count), group_count: Number(row.group_count) };
}
