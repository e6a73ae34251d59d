import { MusterError, notFound } from '../../errors.ts';
import { newId } from '../../infra/ids/index.ts';
import type { Db, OrgRow, PageOf, PageRequest } from '../../storage/index.ts';
import * as store from '../../storage/index.ts';
import { type ChangeContext, recordAudit } from '../audit/index.ts';
import { normalizeAppUrls } from './app-urls.ts';
import { isValidSlug, parseRef, slugify } from './slug.ts';

export interface Org {
  readonly id: string;
  readonly name: string;
  readonly slug: string;
  /** Where the org's application lives: returnTo may point there. */
  readonly appUrls: string[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

function toOrg(row: OrgRow): Org {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    appUrls: row.app_urls,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The slug given, or one made from the name. */
export function slugFor(name: string, slug: string | undefined): string {
  const chosen = slug ?? slugify(name);
  if (!isValidSlug(chosen)) {
    throw new MusterError('validation_failed', 'A slug could not be made from the name; give one', {
      details: [{ path: 'slug', message: 'lowercase letters, digits and hyphens, 1 to 63 characters' }],
    });
  }
  return chosen;
}

export async function createOrg(
  db: Db,
  ctx: ChangeContext,
  input: { name: string; slug?: string | undefined },
): Promise<Org> {
  const slug = slugFor(input.name, input.slug);
  return db.transaction().execute(async (trx) => {
    const org = toOrg(await store.insertOrg(trx, { id: newId(), name: input.name, slug }));
    await recordAudit(trx, ctx, org.id, {
      action: 'org.created',
      target: { type: 'org', id: org.id },
      after: org,
    });
    return org;
  });
}

export async function findOrg(db: Db, ref: string): Promise<Org | undefined> {
  const parsed = parseRef(ref);
  const row = parsed && (await store.findOrg(db, parsed));
  return row ? toOrg(row) : undefined;
}

export async function getOrg(db: Db, ref: string): Promise<Org> {
  const org = await findOrg(db, ref);
  if (!org) throw notFound('Organization');
  return org;
}

export async function listOrgs(db: Db, page: PageRequest): Promise<PageOf<Org>> {
  const result = await store.listOrgs(db, page);
  return { more: result.more, items: result.items.map(toOrg) };
}

export async function updateOrg(
  db: Db,
  ctx: ChangeContext,
  org: Org,
  patch: { name?: string | undefined; slug?: string | undefined; appUrls?: readonly string[] | undefined },
): Promise<Org> {
  const changes: { name?: string; slug?: string; app_urls?: string[] } = {};
  if (patch.name !== undefined) changes.name = patch.name;
  if (patch.slug !== undefined) changes.slug = slugFor(patch.name ?? org.name, patch.slug);
  if (patch.appUrls !== undefined) changes.app_urls = normalizeAppUrls(patch.appUrls);
  if (Object.keys(changes).length === 0) return org;
  return db.transaction().execute(async (trx) => {
    const row = await store.updateOrg(trx, org.id, changes);
    if (!row) throw notFound('Organization');
    const after = toOrg(row);
    await recordAudit(trx, ctx, org.id, {
      action: 'org.updated',
      target: { type: 'org', id: org.id },
      before: org,
      after,
    });
    return after;
  });
}
