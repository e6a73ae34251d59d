import type { Db } from '../database.ts';
import type { SetupLinkFeature, SetupLinkRow, SetupLinksTable, StoredMetadataFinding } from '../schema.ts';
import { type PageOf, type PageRequest, toPage } from './page.ts';

/**
 * Setup links, organization first; a link found by its token's SHA-256
 * names its org. Whether a link is expired is read from expires_at.
 */

export interface NewSetupLink {
  readonly id: string;
  readonly org_id: string;
  readonly token_hash: string;
  readonly features: SetupLinkFeature[];
  readonly expires_at: Date;
  readonly connection_id: string | null;
  readonly created_by_type: SetupLinksTable['created_by_type'];
  readonly created_by_id: string | null;
}

export function insertSetupLink(db: Db, row: NewSetupLink): Promise<SetupLinkRow> {
  return db.insertInto('setup_links').values(row).returningAll().executeTakeFirstOrThrow();
}

export function findSetupLink(db: Db, orgId: string, id: string, forUpdate = false) {
  let query = db.selectFrom('setup_links').selectAll().where('org_id', '=', orgId).where('id', '=', id);
  if (forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** The link a token opens, by the token's SHA-256. */
export function findSetupLinkByTokenHash(db: Db, tokenHash: string) {
  return db.selectFrom('setup_links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function listSetupLinks(
  db: Db,
  orgId: string,
  page: PageRequest,
): Promise<PageOf<SetupLinkRow>> {
  let query = db
    .selectFrom('setup_links')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('id')
    .limit(page.limit + 1);
  if (page.after) query = query.where('id', '>', page.after);
  return toPage(await query.execute(), page.limit);
}

export interface SetupLinkPatch {
  readonly revoked_at?: Date;
  readonly directory_id?: string;
  readonly provider?: SetupLinkRow['provider'];
  readonly protocol?: SetupLinkRow['protocol'];
  readonly metadata_xml?: string | null;
  readonly metadata_url?: string | null;
  readonly metadata_findings?: readonly StoredMetadataFinding[] | null;
  readonly metadata_checked_at?: Date | null;
}

export function updateSetupLink(
  db: Db,
  orgId: string,
  id: string,
  patch: SetupLinkPatch,
): Promise<SetupLinkRow | undefined> {
  const { metadata_findings: findings, ...rest } = patch;
  return db
    .updateTable('setup_links')
    .set({
      ...rest,
      ...(findings !== undefined
        ? { metadata_findings: findings === null ? null : JSON.stringify(findings) }
        : {}),
      updated_at: new Date(),
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/**
 * Records the directory a link made, unless it already has one: two
 * submissions racing each other cannot both attach theirs.
 */
export function attachSetupLinkDirectory(
  db: Db,
  orgId: string,
  id: string,
  directoryId: string,
): Promise<SetupLinkRow | undefined> {
  return db
    .updateTable('setup_links')
    .set({ directory_id: directoryId, updated_at: new Date() })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('directory_id', 'is', null)
    .returningAll()
    .executeTakeFirst();
}
