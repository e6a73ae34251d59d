import { type Db, ping } from '../../storage/index.ts';

/** Resolves when the database answers a trivial query; rejects otherwise. */
export function checkDatabase(db: Db): Promise<void> {
  return ping(db);
}
