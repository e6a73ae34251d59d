import { notFound } from '../../errors.ts';
import { isUuid, newId } from '../../infra/ids/index.ts';
import type {
  Db,
  DirectoryCounts,
  DirectoryProvider,
  DirectoryRow,
  PageOf,
  PageRequest,
} from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { adminCause, type ChangeContext, recordAudit } from '../audit/index.ts';
import { issueDirectoryToken } from './issue-token.ts';
import { authenticatedTokens } from './token-cache.ts';

export type { DirectoryProvider };
export const directoryProviders: readonly DirectoryProvider[] = [
  'entra',
  'okta',
  'jumpcloud',
  'keycloak',
  'generic',
];

export interface Directory {
  readonly id: string;
  readonly orgId: string;
  readonly name: string;
  readonly provider: DirectoryProvider;
  /** What DELETE /Users/{id} does to the org user. */
  readonly userDeletion: 'suspend' | 'delete';
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A directory as admins see it, with its size from the kept counts. */
export interface DirectoryView extends Directory {
  readonly userCount: number;
  readonly groupCount: number;
}

export interface DirectoryInput {
  readonly name: string;
  readonly provider: DirectoryProvider;
  readonly userDeletion?: 'suspend' | 'delete' | undefined;
}

export function toDirectory(row: DirectoryRow): Directory {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    provider: row.provider,
    userDeletion: row.user_deletion,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toView(row: DirectoryRow & DirectoryCounts): DirectoryView {
  return { ...toDirectory(row), userCount: row.user_count, groupCount: row.group_count };
}

export async function createDirectory(
  db: Db,
  ctx: ChangeContext,
  orgId: string,
  input: DirectoryInput,
): Promise<{ directory: DirectoryView; token: { id: string; token: string } }> {
  return db.transaction().execute(async (trx) => {
    const row = await store.insertDirectory(trx, orgId, newId(), {
      name: input.name,
      provider: input.provider,
      user_deletion: input.userDeletion ?? 'suspend',
    });
    const directory = toView({ ...row, user_count: 0, group_count: 0 });
    const issued = await issueDirectoryToken(trx, orgId, directory.id);
    const token = { id: issued.row.id, token: issued.token };
    await recordAudit(trx, ctx, orgId, {
      action: 'directory.created',
      target: { type: 'directory', id: directory.id },
      after: directory,
    });
    return { directory, token };
  });
}

export async function getDirectory(db: Db, orgId: string, directoryId: string): Promise<DirectoryView> {
  const row = isUuid(directoryId)
    ? await store.findDirectory(db, orgId, directoryId.toLowerCase())
    : undefined;
  if (!row) throw notFound('Directory');
  return toView(row);
}

export async function listDirectories(
  db: Db,
  orgId: string,
  page: PageRequest,
): Promise<PageOf<DirectoryView>> {
  const result = await store.listDirectories(db, orgId, page);
  return { more: result.more, items: result.items.map(toView) };
}

export async function updateDirectory(
  db: Db,
  ctx: ChangeContext,
  directory: DirectoryView,
  patch: { name?: string | undefined; userDeletion?: 'suspend' | 'delete' | undefined },
): Promise<DirectoryView> {
  const changes: { name?: string; user_deletion?: 'suspend' | 'delete' } = {};
  if (patch.name !== undefined) changes.name = patch.name;
  if (patch.userDeletion !== undefined) changes.user_deletion = patch.userDeletion;
  if (Object.keys(changes).length === 0) return directory;
  return db.transaction().execute(async (trx) => {
    const row = await store.updateDirectory(trx, directory.orgId, directory.id, changes);
    if (!row) throw notFound('Directory');
    authenticatedTokens.forgetWhere(db, (token) => token.id === directory.id);
    const after = toView({
      ...row,
      ...(await store.readDirectoryCounts(trx, directory.orgId, directory.id)),
    });
    await recordAudit(trx, ctx, directory.orgId, {
      action: 'directory.updated',
      target: { type: 'directory', id: directory.id },
      before: directory,
      after,
    });
    return after;
  });
}

// Keeps each statement's arrays well inside what one bind message carries.
const chunkSize = 5_000;

/**
 * Deletes a directory, its SCIM users and groups and its mappings. What it
 * granted goes with it; a user it leaves with no role through any source is
 * suspended, as a SCIM DELETE would, and roles are recomputed.
 */
export async function deleteDirectory(db: Db, ctx: ChangeContext, directory: Directory): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const held = await store.revokeDirectoryGrants(trx, directory.orgId, directory.id);
    if (!(await store.deleteDirectory(trx, directory.orgId, directory.id))) throw notFound('Directory');
    for (let i = 0; i < held.length; i += chunkSize) {
      const users = held.slice(i, i + chunkSize);
      await store.recomputeRoles(
        trx,
        directory.orgId,
        users.map((userId) => ({ userId, eventId: newId() })),
        adminCause(ctx),
      );
      await store.suspendUngranted(trx, directory.orgId, users);
    }
    authenticatedTokens.forgetWhere(db, (token) => token.id === directory.id);
    await recordAudit(trx, ctx, directory.orgId, {
      action: 'directory.deleted',
      target: { type: 'directory', id: directory.id },
      before: directory,
    });
  });
}
