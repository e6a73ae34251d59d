import { newId } from '../../infra/ids/index.ts';
import { issueToken, scimTokens } from '../../infra/tokens/index.ts';
import type { Db, DirectoryTokenRow } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';

/** A new token row inside the caller's transaction; the token itself is returned this once. */
export async function issueDirectoryToken(
  trx: Db,
  orgId: string,
  directoryId: string,
): Promise<{ row: DirectoryTokenRow; token: string }> {
  const id = newId();
  const { token, secretHash } = issueToken(scimTokens, id);
  const row = await store.insertDirectoryToken(trx, orgId, directoryId, { id, secret_hash: secretHash });
  return { row, token };
}
