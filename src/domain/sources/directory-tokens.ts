import { MusterError, notFound } from '../../errors.ts';
import { isUuid } from '../../infra/ids/index.ts';
import {
  lastUseIsStale,
  parseToken,
  scimTokens,
  tokenPrefix,
  verifySecret,
} from '../../infra/tokens/index.ts';
import type { Db, DirectoryTokenRow } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { type ChangeContext, recordAudit } from '../audit/index.ts';
import { type Directory, toDirectory } from './directories.ts';
import { issueDirectoryToken } from './issue-token.ts';
import { authenticatedTokens } from './token-cache.ts';

/** Two live tokens let an IdP move to a new one before the old one is revoked. */
export const maxLiveTokens = 2;

export interface DirectoryToken {
  readonly id: string;
  readonly prefix: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
}

function toToken(row: DirectoryTokenRow): DirectoryToken {
  return {
    id: row.id,
    prefix: tokenPrefix(scimTokens, row.id),
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

export async function createDirectoryToken(
  db: Db,
  ctx: ChangeContext,
  directory: Directory,
): Promise<{ token: DirectoryToken; secret: string }> {
  return db.transaction().execute(async (trx) => {
    const live = await store.lockLiveDirectoryTokens(trx, directory.orgId, directory.id);
    if (live >= maxLiveTokens) {
      throw new MusterError(
        'conflict',
        `A directory has at most ${maxLiveTokens} live tokens; revoke one first`,
      );
    }
    const issued = await issueDirectoryToken(trx, directory.orgId, directory.id);
    await recordAudit(trx, ctx, directory.orgId, {
      action: 'directory.token_created',
      target: { type: 'directory', id: directory.id },
      after: { tokenId: issued.row.id },
    });
    return { token: toToken(issued.row), secret: issued.token };
  });
}

export async function listDirectoryTokens(db: Db, directory: Directory): Promise<DirectoryToken[]> {
  return (await store.listDirectoryTokens(db, directory.orgId, directory.id)).map(toToken);
}

export async function revokeDirectoryToken(
  db: Db,
  ctx: ChangeContext,
  directory: Directory,
  tokenId: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = isUuid(tokenId)
      ? await store.revokeDirectoryToken(
          trx,
          directory.orgId,
          directory.id,
          tokenId.toLowerCase(),
          new Date(),
        )
      : undefined;
    if (!row) throw notFound('Token');
    authenticatedTokens.forget(db, row.id);
    await recordAudit(trx, ctx, directory.orgId, {
      action: 'directory.token_revoked',
      target: { type: 'directory', id: directory.id },
      after: { tokenId: row.id },
    });
  });
}

/**
 * The directory a SCIM request may act on: its token must be live and belong
 * to the directory named in the URL, so a token reaches its directory alone.
 */
export async function authenticateDirectoryToken(
  db: Db,
  directoryId: string,
  token: string,
): Promise<Directory | undefined> {
  const parsed = parseToken(scimTokens, token);
  if (!parsed) return undefined;
  const now = new Date();
  const cached = authenticatedTokens.get(db, parsed.id, now.getTime());
  const row = cached ?? (await store.findDirectoryTokenForAuthentication(db, parsed.id));
  if (!verifySecret(parsed.secret, row?.secret_hash) || !row || row.revoked_at) return undefined;
  if (row.id !== directoryId.toLowerCase()) return undefined;
  if (lastUseIsStale(row.last_used_at, now)) {
    await store.touchDirectoryToken(db, row.org_id, row.token_id, now);
    authenticatedTokens.set(db, parsed.id, { ...row, last_used_at: now }, now.getTime());
  } else if (!cached) authenticatedTokens.set(db, parsed.id, row, now.getTime());
  return toDirectory(row);
}
