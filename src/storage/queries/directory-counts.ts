import { sql } from 'kysely';
import type { Db } from '../database.ts';

/** Keeps totalResults free of full counts: adjusted in the same transaction as the rows. */
export async function adjustDirectoryCount(
  db: Db,
  orgId: string,
  directoryId: string,
  counter: 'user_count' | 'group_count',
  delta: number,
): Promise<void> {
  await db
    .updateTable('directories')
    .set({ [counter]: sql`${sql.ref(counter)} + ${delta}` })
    .where('org_id', '=', orgId)
    .where('id', '=', directoryId)
    .execute();
}
